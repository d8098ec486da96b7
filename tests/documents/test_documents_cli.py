"""`cadena text`, `cadena search`, `cadena quote` as a researcher runs them.

The commands run through the real CLI application in this process (Typer's runner: parsing,
output, exit codes), and once as a child process, the way a terminal runs it: each child pays
the whole CLI's start-up (~2 s of imports), which a suite cannot afford per call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case


def test_text_search_and_quote_from_the_command_line(
    cli: Any, docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library tests compare both backends; here the commands run on the default.
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    case_dir = tmp_path / "case"
    broken = synth.truncated(docs_dir / "plan.pdf", tmp_path / "roto.pdf", 0.3)
    case = Case.init(case_dir)
    add_paths(case, [docs_dir / "plan.pdf", docs_dir / "oficio.docx", broken], SourceFields())
    case.close()
    at = ["--case", str(case_dir)]
    runner = CliRunner()

    read = runner.invoke(app, ["text", *at, "--json"])
    assert read.exit_code == 1, read.stderr  # one item could not be read: reported, kept
    report = json.loads(read.stdout)
    assert sorted(r["status"] for r in report["items"]) == ["damaged", "ok", "ok"]

    found = runner.invoke(app, ["search", '"grupos hostiles" AND armas', *at, "--json"])
    hits = json.loads(found.stdout)
    assert found.exit_code == 0 and hits["total"] == 1 and hits["hits"][0]["page"] == 2
    assert hits["hits"][0]["name"] == "plan.pdf"
    assert "[[grupos hostiles]]" in hits["hits"][0]["snippet_marked"]
    plan = hits["hits"][0]["item"]
    shown = runner.invoke(app, ["search", "--saved", "firearms", *at])
    assert shown.exit_code == 0 and "plan.pdf p. 2" in shown.stdout

    ok = runner.invoke(
        app, ["quote", plan[:8], "--page", "2", "--text", "OBSTACULOS  humanos", *at, "--json"]
    )
    assert ok.exit_code == 0, ok.stderr
    loc = json.loads(ok.stdout)
    assert loc["kind"] == "passage" and loc["text"] == "obstáculos humanos" and loc["image"]
    bad = runner.invoke(app, ["search", "NOT simulacro", *at])
    assert bad.exit_code == 2 and "subtract" in bad.stderr

    refused = cli("quote", plan[:8], "--page", "1", "--text", "obstáculos humanos", *at)
    assert refused.returncode == 1 and "It is on page 2" in refused.stderr
    assert "Traceback" not in refused.stderr

"""`cadena text`, `cadena search`, `cadena quote` as a researcher runs them (child processes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case


def test_text_search_and_quote_from_the_command_line(
    cli: Any, docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library tests compare both backends; here the commands run once, on the default,
    # and only this phase's commands run as child processes (each pays the CLI's start-up).
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    case_dir = tmp_path / "case"
    broken = synth.truncated(docs_dir / "plan.pdf", tmp_path / "roto.pdf", 0.3)
    case = Case.init(case_dir)
    add_paths(case, [docs_dir / "plan.pdf", docs_dir / "oficio.docx", broken], SourceFields())
    case.close()
    at = ["--case", str(case_dir)]

    read = cli("text", *at, "--json")
    assert read.returncode == 1, read.stderr  # one item could not be read: reported, kept
    report = json.loads(read.stdout)
    assert sorted(r["status"] for r in report["items"]) == ["damaged", "ok", "ok"]

    found = json.loads(cli("search", '"grupos hostiles" AND armas', *at, "--json").stdout)
    assert found["total"] == 1 and found["hits"][0]["page"] == 2
    assert found["hits"][0]["name"] == "plan.pdf"
    assert "[[grupos hostiles]]" in found["hits"][0]["snippet_marked"]
    plan = found["hits"][0]["item"]

    ok = cli("quote", plan[:8], "--page", "2", "--text", "OBSTACULOS  humanos", *at, "--json")
    assert ok.returncode == 0, ok.stderr
    loc = json.loads(ok.stdout)
    assert loc["kind"] == "passage" and loc["text"] == "obstáculos humanos" and loc["image"]
    refused = cli("quote", plan[:8], "--page", "1", "--text", "obstáculos humanos", *at)
    assert refused.returncode == 1 and "It is on page 2" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = cli("search", "NOT simulacro", *at)
    assert bad.returncode == 2 and "subtract" in bad.stderr and "Traceback" not in bad.stderr

"""`cadena text`, `cadena search`, `cadena quote` as a researcher runs them (child processes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cadena.media import synth


def test_text_search_and_quote_from_the_command_line(
    cli: Any, docs_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The library tests compare both backends; here the commands run once, on the default.
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    case_dir = tmp_path / "case"
    broken = synth.truncated(docs_dir / "plan.pdf", tmp_path / "roto.pdf", 0.3)
    cli("init", str(case_dir), check=True)
    at = ["--case", str(case_dir)]
    cli(
        "add",
        str(docs_dir / "plan.pdf"),
        str(docs_dir / "oficio.docx"),
        str(broken),
        *at,
        check=True,
    )
    read = cli("text", *at, "--json")
    assert read.returncode == 1, read.stderr  # one item could not be read: reported, kept
    report = json.loads(read.stdout)
    assert sorted(r["status"] for r in report["items"]) == ["damaged", "ok", "ok"]

    found = json.loads(cli("search", '"grupos hostiles" AND armas', *at, "--json").stdout)
    assert found["total"] == 1 and found["hits"][0]["page"] == 2
    assert found["hits"][0]["name"] == "plan.pdf"
    plan = found["hits"][0]["item"]
    saved = json.loads(cli("search", "--saved", "all", *at, "--json").stdout)["searches"]
    assert {s["name"]: s["total"] for s in saved}["firearms"] == 1

    page = json.loads(cli("text", plan[:8], "--page", "2", *at, "--json").stdout)
    assert page["method"] == "text-layer" and "obstáculos humanos" in page["text"]

    ok = cli("quote", plan[:8], "--page", "2", "--text", "OBSTACULOS  humanos", *at, "--json")
    assert ok.returncode == 0, ok.stderr
    loc = json.loads(ok.stdout)
    assert loc["kind"] == "passage" and loc["text"] == "obstáculos humanos" and loc["image"]
    refused = cli("quote", plan[:8], "--page", "2", "--text", "disparen a matar", *at)
    assert refused.returncode == 1 and "not on page 2" in refused.stderr
    assert "Traceback" not in refused.stderr
    bad = cli("search", "NOT simulacro", *at)
    assert bad.returncode == 2 and "subtract" in bad.stderr
    assert cli("verify", *at).returncode == 0

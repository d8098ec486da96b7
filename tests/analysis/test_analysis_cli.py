"""`cadena analyze …` on the hand-built case of analysis_world.py: once as the real command in a
child process, the rest through the same Typer app in-process (the child's start-up, which
imports every phase, is what costs time)."""

from __future__ import annotations

import json
from pathlib import Path

from analysis_world import build
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.vault.case import Case


def test_analyze_commands(case: Case, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    w = build(case, tmp_path)
    root = str(case.config.root)
    done = cli("analyze", "chain", "Plaza Sur", "--case", root, "--json", check=True)
    doc = json.loads(done.stdout)
    assert list(doc) == ["format", "lang", "analysis", "subject", "summary", "findings", "read"]
    assert doc["analysis"] == "chain" and doc["subject"]["incident"] == w.ids["I1"]
    first = doc["findings"][0]
    assert set(first) == {
        "kind",
        "text",
        "statement",
        "status",
        "confidence",
        "facts",
        "citations",
        "assumptions",
        "framework",
        "framework_version",
        "data",
    }
    assert first["citations"][0]["item"] in (w.report, w.decree)
    bad = cli("analyze", "chain", "No such incident", "--case", root)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "No incident" in bad.stderr

    runner = CliRunner()

    def run(*args: str) -> str:
        res = runner.invoke(app, [*args, "--case", root], env={"COLUMNS": "240"})
        assert res.exit_code == 0, res.output
        return res.stdout

    es = run("analyze", "notice", "Ana Pérez", "--lang", "es")
    assert "No consta ningún hecho que diera conocimiento a Ana Pérez" in es
    table = run("analyze", "elements", "I2", "--framework", "rome-28a")
    assert "Óscar Parra" in table and "no evidence" in table and "rome-25-3b" not in table
    gaps = json.loads(run("analyze", "gaps", "--json"))
    assert gaps["summary"]["gaps"] == len(gaps["findings"]) > 0
    pats = json.loads(run("analyze", "patterns", "--json"))
    assert pats["summary"]["by_pattern"]["shooting_despite_warnings"] == 1
    unknown = runner.invoke(app, ["analyze", "gaps", "--framework", "nope", "--case", root])
    assert unknown.exit_code == 2 and "No framework nope" in unknown.stderr

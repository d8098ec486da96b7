"""`cadena analyze …` run as the real command on the hand-built case of analysis_world.py."""

from __future__ import annotations

import json
from pathlib import Path

from analysis_world import build

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
    es = cli("analyze", "notice", "Ana Pérez", "--case", root, "--lang", "es", check=True)
    assert "No consta ningún hecho que diera conocimiento a Ana Pérez" in es.stdout
    table = cli("analyze", "elements", "I2", "--framework", "rome-28a", "--case", root,
                env={"COLUMNS": "240"}, check=True)  # fmt: skip
    assert "Óscar Parra" in table.stdout and "no evidence" in table.stdout
    assert "rome-25-3b" not in table.stdout
    gaps = json.loads(cli("analyze", "gaps", "--case", root, "--json", check=True).stdout)
    assert gaps["summary"]["gaps"] == len(gaps["findings"]) > 0
    pats = json.loads(cli("analyze", "patterns", "--case", root, "--json", check=True).stdout)
    assert pats["summary"]["by_pattern"]["shooting_despite_warnings"] == 1
    bad = cli("analyze", "chain", "No such incident", "--case", root)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "No incident" in bad.stderr
    unknown = cli("analyze", "gaps", "--framework", "nope", "--case", root)
    assert unknown.returncode == 2 and "No framework nope" in unknown.stderr

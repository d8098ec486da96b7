"""The `cadena` commands of the facts phase: the real app, run in-process (Typer's runner) for
speed, and once as a child process. The commands are thin over the library (tested on SQLite and
PostgreSQL), so these run on the embedded SQLite case only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadena.facts.demo import DEMO_FORCE
from cadena.vault.case import Case


class _Done:
    def __init__(self, code: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def run(*args: str, check: bool = False) -> _Done:
    from typer.testing import CliRunner

    from cadena.cli.main import app

    result = CliRunner().invoke(app, list(args))
    done = _Done(result.exit_code, result.stdout, result.stderr)
    if check:
        assert done.returncode == 0, f"cadena {' '.join(args)}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture
def lite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Case]:
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    c = Case.init(tmp_path / "lite")
    yield c
    c.close()


def test_import_query_export_from_the_command_line(lite: Case, tmp_path: Path) -> None:
    root = str(lite.config.root)
    done = run("import", "sheet", str(DEMO_FORCE), "--case", root, "--json", check=True)
    assert json.loads(done.stdout)["counts"]["tenures"] == 13
    done = run(
        "query", "commander", "UMO-2", "--on", "01/02/2024", "--case", root, "--json", check=True
    )
    answer = json.loads(done.stdout)
    assert [h["person"]["name"] for h in answer["holders"]] == ["Carla Restrepo Núñez"]
    assert answer["holders"][0]["basis"] == "open_end" and answer["assumptions"]
    done = run(
        "query", "chain", "bim 21", "--on", "2024-01-19", "--strict", "--case", root, check=True
    )
    assert "Comando Conjunto" not in done.stdout  # operational control began 2024-01-20
    done = run(
        "query",
        "deployed",
        "--place",
        "puente sur",
        "--from",
        "2024-02-10",
        "--to",
        "2024-03-01",
        "--case",
        root,
        "--json",
        check=True,
    )
    assert [h["unit"]["name"] for h in json.loads(done.stdout)["hits"]] == [
        "Batallón de Infantería Mecanizada 21"
    ]
    done = run("query", "timeline", "Defensora Caicedo", "--case", root, "--json", check=True)
    assert {e["role"] for e in json.loads(done.stdout)["entries"]} == {"self", "holder", "from"}
    done = run("export", "ftm", str(tmp_path / "f.json"), "--case", root, "--json", check=True)
    assert json.loads(done.stdout)["entities"] > 50
    bad = run("query", "commander", "Nowhere", "--on", "2024-01-01", "--case", root)
    assert bad.returncode == 2 and "No unit" in bad.stderr and "Traceback" not in bad.stderr
    assert run("export", "pdf", str(tmp_path / "x"), "--case", root).returncode == 2


def test_refused_import_exits_1_listing_problems(lite: Case, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # as a child process: the real console script, exit code and stdout
    folder = tmp_path / "sheet"
    folder.mkdir()
    (folder / "units.csv").write_text("name,confidence\nBatallón 5,high\n,low\n")
    done = cli("import", "sheet", str(folder), "--case", str(lite.config.root), "--json")
    assert done.returncode == 1
    problems = json.loads(done.stdout)["problems"]
    assert [(p["row"], p["column"]) for p in problems] == [(2, "sources"), (3, "name")]
    assert run("template", str(tmp_path / "t.xlsx"), check=True).returncode == 0

"""Shared fixtures: every test that takes `case` runs twice, on SQLite and on a real PostgreSQL
server (started by scripts/pg-start, which scripts/test also runs)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cadena.vault.case import Case

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("CADENA_TEST_PG_URL")
    if url:
        return url
    done = subprocess.run([str(ROOT / "scripts" / "pg-start")], capture_output=True, text=True)
    assert done.returncode == 0, f"could not start PostgreSQL for the tests: {done.stderr}"
    return done.stdout.strip()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None for the embedded default; else the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield None
        return
    admin = request.getfixturevalue("pg_admin_url")
    name = f"cadena_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def case_dir(tmp_path: Path, database_url: str | None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A path where `cadena init` will make a case on the parametrised backend."""
    if database_url:
        monkeypatch.setenv("CADENA_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    monkeypatch.delenv("CADENA_BLOB_URL", raising=False)
    monkeypatch.delenv("CADENA_KEY_PASSPHRASE", raising=False)
    return tmp_path / "case"


@pytest.fixture
def case(case_dir: Path) -> Iterator[Case]:
    c = Case.init(case_dir)
    yield c
    c.close()


def run_cadena(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the real `cadena` command in a child process."""
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "cadena", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
    )
    if check:
        assert done.returncode == 0, (
            f"cadena {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        )
    return done


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """The real `cadena` command, run in a child process: cli("add", path, "--case", dir)."""
    return run_cadena

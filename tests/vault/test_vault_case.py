"""A case on disk: folder, database, key, and opening it again."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import pytest

from cadena.errors import CadenaError
from cadena.vault import keys
from cadena.vault.case import Case, open_case


def test_init_makes_a_case_folder(case: Case) -> None:
    root = case.config.root
    assert (root / "cadena.toml").is_file()
    assert (root / "check_custody.py").is_file()
    mode = stat.S_IMODE((root / "keys" / "case-signing-key.pem").stat().st_mode)
    assert mode == 0o600
    with case.session(write=False) as s:
        from cadena.vault.custody import entries_in_order

        entries = entries_in_order(s)
    assert [e.action for e in entries] == ["init"]
    assert json.loads(entries[0].details)["case"] == "case"


def test_sqlite_case_uses_wal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    Case.init(tmp_path / "c").close()
    con = sqlite3.connect(tmp_path / "c" / "case.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_init_refuses_a_folder_with_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(CadenaError, match="not empty"):
        Case.init(tmp_path)


def test_open_finds_case_by_env_and_refuses_non_case(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENA_CASE", str(case.config.root))
    assert open_case(None).config.root == case.config.root
    with pytest.raises(CadenaError, match="cadena init"):
        open_case(tmp_path / "nowhere")


def test_passphrase_encrypts_the_signing_key(
    case_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADENA_KEY_PASSPHRASE", "correct horse")
    c = Case.init(case_dir)
    pem = c.config.key_path.read_bytes()
    assert b"ENCRYPTED" in pem
    monkeypatch.delenv("CADENA_KEY_PASSPHRASE")
    with pytest.raises(CadenaError, match="CADENA_KEY_PASSPHRASE"):
        keys.load_private(c.config.key_path)
    monkeypatch.setenv("CADENA_KEY_PASSPHRASE", "wrong")
    with pytest.raises(CadenaError, match="wrong"):
        keys.load_private(c.config.key_path)
    monkeypatch.setenv("CADENA_KEY_PASSPHRASE", "correct horse")
    assert keys.load_private(c.config.key_path) is not None


def test_blob_url_moves_the_blobs(
    case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("CADENA_BLOB_URL", f"file://{elsewhere}")
    c = Case.init(case_dir)
    stored = c.blobs.put_bytes(b"evidence")
    assert (elsewhere / "sha256" / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256).is_file()
    monkeypatch.delenv("CADENA_BLOB_URL")
    assert open_case(case_dir).blobs.exists(stored.sha256)  # remembered in cadena.toml

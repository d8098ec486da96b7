"""Each kind of tampering is found, at the right place, by `verify` and by the outside check."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from cadena.intake.files import SourceFields, add_paths
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.verify import verify


@pytest.fixture
def filled(case: Case, tmp_path: Path) -> Case:
    """A case whose log is: #1 init, #2–#5 add (four files)."""
    for n in range(4):
        (tmp_path / f"f{n}.bin").write_bytes(f"file {n} ".encode() * 500)
    add_paths(case, sorted(tmp_path.glob("f*.bin")), SourceFields(account="witness-1"))
    assert verify(case).clean
    return case


def _sql(case: Case, statement: str, **params: object) -> None:
    with case.engine.begin() as con:
        con.execute(text(statement), params)


def _findings(case: Case) -> set[tuple[str, str]]:
    return {(f.kind, f.place) for f in verify(case).findings}


def _blob(case: Case, seq: int) -> tuple[str, Path]:
    with case.engine.connect() as con:
        sha = con.execute(
            text("SELECT item_sha256 FROM custody_entry WHERE seq = :s"), {"s": seq}
        ).scalar_one()
    path = case.blobs.local_path(sha)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    return sha, path


def test_modified_blob(filled: Case) -> None:
    sha, path = _blob(filled, 3)
    with path.open("r+b") as f:
        f.seek(10)
        f.write(b"X")
    assert _findings(filled) == {("blob_modified", f"blob {sha}")}


def test_missing_blob(filled: Case) -> None:
    sha, path = _blob(filled, 4)
    path.unlink()
    assert _findings(filled) == {("blob_missing", f"blob {sha}")}


def test_edited_entry(filled: Case) -> None:
    _sql(filled, "UPDATE custody_entry SET actor = 'someone else' WHERE seq = 3")
    assert _findings(filled) == {("entry_edited", "custody entry #3")}


def test_deleted_entry(filled: Case) -> None:
    _sql(filled, "DELETE FROM custody_entry WHERE seq = 3")
    found = _findings(filled)
    assert ("entry_deleted", "custody entry #4") in found
    assert {k for k, _ in found} <= {"entry_deleted", "item_unlogged", "source_unlogged"}


def test_deleted_last_entry(filled: Case) -> None:
    _sql(filled, "DELETE FROM custody_entry WHERE seq = 5")
    assert ("entry_deleted", "custody entry #5") in _findings(filled)


def test_inserted_entry(filled: Case) -> None:
    with filled.engine.connect() as con:
        prev = con.execute(text("SELECT entry_hash FROM custody_entry WHERE seq = 2")).scalar_one()
    _sql(filled, "UPDATE custody_entry SET seq = seq + 1000 WHERE seq >= 3")
    _sql(filled, "UPDATE custody_entry SET seq = seq - 999 WHERE seq >= 1000")
    at, details = "2022-12-15T10:00:00.000000Z", '{"note":"backdated"}'
    digest = custody.entry_hash(at, "annotate", None, "intruder", details, prev)
    forged = Ed25519PrivateKey.generate().sign(custody.SIGNING_PREFIX + digest.encode()).hex()
    _sql(
        filled,
        "INSERT INTO custody_entry (seq, at, action, item_sha256, actor, details, prev_hash, "
        "entry_hash, signature) VALUES (3, :at, 'annotate', NULL, 'intruder', :d, :p, :h, :sig)",
        at=at,
        d=details,
        p=prev,
        h=digest,
        sig=forged,
    )
    found = _findings(filled)
    assert ("signature_wrong", "custody entry #3") in found
    assert ("entry_inserted", "custody entry #4") in found


def test_reordered_entries(filled: Case) -> None:
    _sql(filled, "UPDATE custody_entry SET seq = 100 WHERE seq = 3")
    _sql(filled, "UPDATE custody_entry SET seq = 3 WHERE seq = 4")
    _sql(filled, "UPDATE custody_entry SET seq = 4 WHERE seq = 100")
    found = _findings(filled)
    assert ("entry_reordered", "custody entry #3") in found
    assert {k for k, _ in found} == {"entry_reordered"}


def test_entry_signed_by_another_key(filled: Case) -> None:
    with filled.engine.connect() as con:
        digest = con.execute(
            text("SELECT entry_hash FROM custody_entry WHERE seq = 4")
        ).scalar_one()
    other = Ed25519PrivateKey.generate().sign(custody.SIGNING_PREFIX + digest.encode()).hex()
    _sql(filled, "UPDATE custody_entry SET signature = :s WHERE seq = 4", s=other)
    assert _findings(filled) == {("signature_wrong", "custody entry #4")}


def test_edited_source(filled: Case) -> None:
    _sql(filled, "UPDATE source SET account = 'someone else' WHERE id = 2")
    assert _findings(filled) == {("source_edited", "source #2")}


def test_cli_verify_exit_codes_and_outside_check(filled: Case, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = str(filled.config.root)
    assert cli("verify", "--case", root).returncode == 0
    checker = [sys.executable, str(filled.config.root / "check_custody.py"), root]
    exported = tmp_path / "custody.jsonl"
    exported.write_text(cli("log", "--jsonl", "--case", root, check=True).stdout)
    checker += ["--log", str(exported)]  # works for PostgreSQL cases too
    clean = subprocess.run(checker, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    _sql(filled, "UPDATE custody_entry SET actor = 'someone else' WHERE seq = 3")
    done = cli("verify", "--case", root, "--json")
    assert done.returncode == 1 and '"entry_edited"' in done.stdout
    exported.write_text(cli("log", "--jsonl", "--case", root, check=True).stdout)
    outside = subprocess.run(checker, capture_output=True, text=True)
    assert outside.returncode == 1 and "custody entry #3" in outside.stdout


def test_outside_check_reads_sqlite_directly(
    case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CADENA_DATABASE_URL", raising=False)
    c = Case.init(tmp_path / "plain")
    (tmp_path / "a.bin").write_bytes(b"a" * 999)
    add_paths(c, [tmp_path / "a.bin"], SourceFields())
    run = [sys.executable, str(c.config.root / "check_custody.py"), str(c.config.root)]
    assert subprocess.run(run, capture_output=True).returncode == 0
    sha, path = _blob(c, 2)
    path.write_bytes(b"b" * 999)
    done = subprocess.run(run, capture_output=True, text=True)
    assert done.returncode == 1 and f"blob {sha}: content changed" in done.stdout

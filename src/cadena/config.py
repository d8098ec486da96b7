"""Where a case lives: its folder, its database and its blob store.

A case folder holds `cadena.toml`. The database and blob store default to files inside the
folder; `CADENA_DATABASE_URL` and `CADENA_BLOB_URL` move them (at `init` they are written into
`cadena.toml`, and at any later command the environment still wins).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cadena.errors import NotACaseError

CASE_FILE = "cadena.toml"
DB_ENV = "CADENA_DATABASE_URL"
BLOB_ENV = "CADENA_BLOB_URL"
CASE_ENV = "CADENA_CASE"


@dataclass(frozen=True)
class CaseConfig:
    root: Path
    name: str
    database_url: str
    blob_url: str

    @property
    def key_path(self) -> Path:
        return self.root / "keys" / "case-signing-key.pem"

    @property
    def public_key_path(self) -> Path:
        return self.root / "keys" / "case-public-key.pem"


def default_database_url(root: Path) -> str:
    return f"sqlite:///{(root / 'case.sqlite').resolve()}"


def default_blob_url(root: Path) -> str:
    return str((root / "blobs").resolve())


def find_case_root(path: str | Path | None) -> Path:
    """`--case PATH`, else `CADENA_CASE`, else the current folder."""
    candidate = Path(path) if path else Path(os.environ.get(CASE_ENV) or Path.cwd())
    if not (candidate / CASE_FILE).is_file():
        raise NotACaseError(
            f"{candidate} is not a Cadena case (no {CASE_FILE}). "
            "Run `cadena init PATH` to start one, or pass --case PATH / set CADENA_CASE."
        )
    return candidate.resolve()


def load(root: Path) -> CaseConfig:
    data = tomllib.loads((root / CASE_FILE).read_text(encoding="utf-8"))
    case = data.get("case", {})
    return CaseConfig(
        root=root,
        name=str(case.get("name", root.name)),
        database_url=os.environ.get(DB_ENV)
        or case.get("database_url")
        or default_database_url(root),
        blob_url=os.environ.get(BLOB_ENV) or case.get("blob_url") or default_blob_url(root),
    )


def write(root: Path, name: str, database_url: str | None, blob_url: str | None) -> None:
    lines = ["[case]", f"name = {_toml_str(name)}", 'format = "cadena-case/1"']
    if database_url:
        lines.append(f"database_url = {_toml_str(database_url)}")
    if blob_url:
        lines.append(f"blob_url = {_toml_str(blob_url)}")
    (root / CASE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

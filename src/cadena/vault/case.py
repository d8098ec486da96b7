"""A case on disk: its folder, database, blob store and signing key, and the few operations
every phase shares (a transaction, resolving an item, storing a derivative, logging custody)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cadena import __version__, db
from cadena import config as settings
from cadena.errors import CadenaError
from cadena.vault import custody, keys
from cadena.vault.blobs import BlobStore
from cadena.vault.models import CustodyEntry, Derivative, Item

CHECKER = Path(__file__).with_name("standalone_check.py")


@dataclass
class Case:
    config: settings.CaseConfig
    engine: Engine
    read_engine: Engine
    blobs: BlobStore
    _signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)

    # -- opening -----------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, name: str | None = None) -> Case:
        root = Path(path)
        if (root / settings.CASE_FILE).exists():
            raise CadenaError(f"{root} already holds a case; open it with --case {root}.")
        if root.exists() and any(root.iterdir()):
            raise CadenaError(f"{root} is not empty; give a new or empty folder for the case.")
        root.mkdir(parents=True, exist_ok=True)
        root = root.resolve()
        env = os.environ
        settings.write(
            root, name or root.name, env.get(settings.DB_ENV), env.get(settings.BLOB_ENV)
        )
        cfg = settings.load(root)
        public = keys.create(cfg.key_path, cfg.public_key_path)
        shutil.copyfile(CHECKER, root / "check_custody.py")
        case = cls._connect(cfg)
        db.upgrade(case.engine)
        with case.session() as s:
            case.log(
                s,
                "init",
                details={
                    "case": cfg.name,
                    "cadena": __version__,
                    "public_key_sha256": _key_id(public),
                    "database": db.is_sqlite(cfg.database_url) and "sqlite" or "postgresql",
                },
            )
        return case

    @classmethod
    def open(cls, path: str | Path | None = None) -> Case:
        cfg = settings.load(settings.find_case_root(path))
        case = cls._connect(cfg)
        if db.needs_upgrade(case.engine):
            db.upgrade(case.engine)
        return case

    @classmethod
    def _connect(cls, cfg: settings.CaseConfig) -> Case:
        engine = db.make_engine(cfg.database_url, write=True)
        reader = (
            db.make_engine(cfg.database_url, write=False)
            if db.is_sqlite(cfg.database_url)
            else engine
        )
        return cls(cfg, engine, reader, BlobStore(cfg.blob_url))

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    # -- transactions -------------------------------------------------------------
    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with Session(self.engine if write else self.read_engine, expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    # -- keys ----------------------------------------------------------------------
    @property
    def signing_key(self) -> Ed25519PrivateKey:
        if self._signing_key is None:
            self._signing_key = keys.load_private(self.config.key_path)
        return self._signing_key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return keys.load_public(self.config.public_key_path)

    # -- shared operations -----------------------------------------------------------
    def log(
        self,
        s: Session,
        action: str,
        item: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> CustodyEntry:
        """Append a signed custody entry in this transaction."""
        return custody.append(s, self.signing_key, action, item, details)

    def resolve_item(self, s: Session, ref: str) -> Item:
        """An item by its SHA-256 or an unambiguous prefix of one (at least 4 hex digits)."""
        ref = ref.strip().lower()
        if len(ref) < 4 or any(c not in "0123456789abcdef" for c in ref):
            raise CadenaError(
                f"{ref!r} is not an item: give its SHA-256 or a prefix of 4+ hex digits."
            )
        found = list(s.execute(select(Item).where(Item.sha256.startswith(ref)).limit(3)).scalars())
        if not found:
            raise CadenaError(
                f"No item in this case starts with {ref}. `cadena show` lists nothing? "
                "Add files with `cadena add PATH`."
            )
        if len(found) > 1:
            raise CadenaError(
                f"{ref} matches several items ({', '.join(i.sha256[:12] for i in found)}…); "
                "give more digits."
            )
        return found[0]

    def add_derivative(
        self,
        s: Session,
        item_sha256: str,
        data: bytes | Path,
        *,
        kind: str,
        tool: str,
        tool_version: str,
        params: dict[str, Any],
        media_type: str,
        result: dict[str, Any] | None = None,
    ) -> Derivative:
        """Store a file made from an item, record who made it and how, and log it in custody.

        Idempotent: the same bytes from the same item, kind and parameters are one derivative.
        `result` (what an analysis found, e.g. a shot count) is recorded in the custody entry.
        """
        if isinstance(data, Path):
            with data.open("rb") as f:
                stored = self.blobs.put_file(f)
        else:
            stored = self.blobs.put_bytes(data)
        params_key = hashlib.sha256(db.canonical_json(params).encode()).hexdigest()
        existing = s.execute(
            select(Derivative).where(
                Derivative.item_sha256 == item_sha256,
                Derivative.sha256 == stored.sha256,
                Derivative.kind == kind,
                Derivative.params_key == params_key,
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
        d = Derivative(
            sha256=stored.sha256,
            item_sha256=item_sha256,
            kind=kind,
            media_type=media_type,
            size=stored.size,
            tool=tool,
            tool_version=tool_version,
            params=params,
            params_key=params_key,
            created_at=custody.now(),
        )
        s.add(d)
        s.flush()
        self.log(
            s,
            "derive",
            item_sha256,
            {
                "derivative": stored.sha256,
                "kind": kind,
                "media_type": media_type,
                "size": stored.size,
                "tool": tool,
                "tool_version": tool_version,
                "params": params,
                **({"result": result} if result else {}),
            },
        )
        return d


def open_case(path: str | Path | None = None) -> Case:
    """The case at `--case PATH`, else `CADENA_CASE`, else the current folder."""
    return Case.open(path)


def _key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(keys.public_pem(public)).hexdigest()

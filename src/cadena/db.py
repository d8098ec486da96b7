"""Database engines, the declarative base, and migrations.

SQLite (WAL) is the embedded default; PostgreSQL (psycopg 3) serves teams. On SQLite every
writing transaction starts with `BEGIN IMMEDIATE`, so two processes adding to one case
serialise on the write lock instead of failing half-way; reads use a deferred `BEGIN`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, MetaData, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def canonical_json(value: Any) -> str:
    """The one serialisation used for anything that is hashed or signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, *, write: bool = True) -> Engine:
    if not is_sqlite(url):
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 120, "check_same_thread": False})
    begin_sql = "BEGIN IMMEDIATE" if write else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see module docstring)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=120000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the schema to every phase's head (each phase is an Alembic branch)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "cadena:migrations")
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # One migrator at a time per database; others wait, then find nothing to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(7406172)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def needs_upgrade(engine: Engine) -> bool:
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", "cadena:migrations")
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != heads

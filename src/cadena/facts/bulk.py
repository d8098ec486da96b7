"""Recording many facts at once: the same checks as `Recorder`, but rows are staged in memory and
written in bulk statements (executemany on SQLite, COPY on PostgreSQL): whole input rows, every
50,000 facts and at the end, all inside the import's one transaction.

What made imports slow was per row: an ORM flush per fact (and per joined-table row), a query
or four per name resolved, and a savepoint per input row. Here a fact gets its id from a counter
the import owns (the fact table is locked for the transaction on PostgreSQL; SQLite's
`BEGIN IMMEDIATE` already holds the write lock), names resolve against `NameIndex` in memory,
and a refused input row takes back what it staged (`row()`), so a failed import still changes
nothing and a good one is written whole, in the import's one transaction.

    with case.session() as s:
        rec = BulkRecorder(case, s)
        with rec.row():          # one input row: all of it staged, or none of it
            rec.add_unit(...)
        rec.write()              # before the session commits
"""

from __future__ import annotations

import gc
import operator
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Table, text
from sqlalchemy.orm import Session

from cadena.db import Base
from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.citations import Cite
from cadena.facts.record import Recorder, Ref
from cadena.facts.resolve import NameIndex, label
from cadena.vault import custody
from cadena.vault.case import Case

T = TypeVar("T")

# Parents before children, for the foreign keys (checked per statement on PostgreSQL).
_KIND_ORDER = (
    "unit",
    "unit_link",
    "person",
    "rank",
    "post",
    "order",
    "tenure",
    "deployment",
    "incident",
    "victim",
    "attribution",
    "communication",
    "meeting",
    "statement",
    "measure",
)
_ROW_ORDER: tuple[type[Base], ...] = (  # after names and citations (kept as tuples)
    m.OrderUnit,
    m.Party,
    m.VictimIdentity,
)
_CHUNK = 50_000  # rows a statement: bounds the memory a COPY or executemany holds at once
_IDENTITY: dict[type[Any], str] = {}  # model -> its fact kind ("" for other tables)


@contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while an import stages its rows: it holds millions of small
    objects without cycles, and the collector's passes over them cost a quarter of the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Staged:
    """A row staged for a bulk write: plain attributes named as the model's columns (building
    SQLAlchemy instances cost half the import's time), and the model it is for."""

    def __init__(self, model: type[Any], fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)
        self._model = model


class DuplicateKey(CadenaError):
    """The researcher's id is already taken by another fact of that kind."""


class BulkRecorder(Recorder):
    """A `Recorder` that stages facts and writes them with `write()`; see the module text."""

    def __init__(self, case: Case, session: Session, *, batch: int = 50_000) -> None:
        super().__init__(case, session, log=False)
        self.batch = batch  # staged facts that make `row()` write what is staged
        self.index = NameIndex(session)
        self.facts: list[m.Fact] = []
        self.rows: list[Any] = []
        self.citations: list[tuple[Any, ...]] = []  # (fact_id, item, locator, quote, reference)
        self.names: list[tuple[Any, ...]] = []  # (fact_id, name, folded, is_alias)
        self._next: int | None = None
        self._staged: dict[int, m.Fact] = {}
        self._created: str | None = None
        self.local: dict[str, int] = {}  # ids an import gives rows and keeps no further (`~12`)
        self.postgres = session.get_bind().dialect.name == "postgresql"

    # -- hooks of Recorder ------------------------------------------------------------------
    def _new(self, model: type[T], **fields: Any) -> T:
        identity = _IDENTITY.get(model)
        if identity is None:
            identity = _IDENTITY[model] = (
                getattr(model, "__mapper_args__", {}).get("polymorphic_identity") or ""
            )
        if identity:
            fields["kind"] = identity
            fields["note"] = fields["merged_into"] = None  # every column set: see `_insert`
        return cast(T, Staged(model, fields))

    def _now(self) -> str:
        # One time for the whole import: its facts are written, and committed, together.
        if self._created is None:
            self._created = custody.now()
        return self._created

    def ref(self, kind: str, value: Ref) -> int:
        if type(value) is int:
            if self.index.kind_of.get(value) == kind:
                return value  # a fact this import staged, given by its id: nothing to look up
        elif not isinstance(value, str):
            return value.id  # type: ignore[union-attr]
        elif value in self.local:
            found = self.local[value]
            if self.index.kind_of.get(found) == kind:
                return found
        return self.index.resolve(kind, value, self.label)

    def _store_citations(self, fact_id: int, cites: Iterable[Cite]) -> None:
        # Plain tuples: an import makes several citations per row.
        self.citations.extend((fact_id, c.item, c.locator, c.quote, c.reference) for c in cites)

    def _store_names(self, fact: m.Fact, names: list[tuple[str, str, bool]]) -> None:
        self.names.extend((fact.id, n, f, a) for n, f, a in names)
        self.index.add(fact, [(f, a) for _n, f, a in names])

    def party_of(self, name: str) -> tuple[str, int]:
        if name in self.local:
            found = self.local[name]
            return self.index.kind_of[found], found
        return self.index.person_or_unit(name, self.label)

    def posts_in(self, unit_id: int) -> list[tuple[int, str, str | None]]:
        return self.index.posts_of(unit_id)

    def _store(self, fact: m.Fact) -> None:
        if fact.key is not None and self.index.key_taken(fact.kind, fact.key):
            raise DuplicateKey(f"the id {fact.key!r} is already used for another {fact.kind}")
        fact.id = self._allocate()
        self.facts.append(fact)
        self._staged[fact.id] = fact
        if fact.kind not in ("unit", "person"):
            self.index.add(fact)  # units and persons are indexed with their names (below)

    def _store_rows(self, rows: Iterable[Any]) -> None:
        self.rows.extend(rows)

    def label(self, fact_id: int) -> str:
        fact = self._staged.get(fact_id)
        if fact is None:
            return label(self.s, fact_id)
        for attr in ("name", "title", "pseudonym"):
            value = getattr(fact, attr, None)
            if value:
                return str(value)
        return f"{fact.kind} #{fact_id}"

    # -- one input row ------------------------------------------------------------------------
    @contextmanager
    def row(self) -> Iterator[None]:
        """Stage one input row whole or not at all: on an exception, what it staged is taken
        back (facts, rows, names in the index) and the exception goes on."""
        facts, rows, mark = len(self.facts), len(self.rows), self.index.mark()
        cites, names = len(self.citations), len(self.names)
        try:
            yield
            self.index.keep(mark)
            if len(self.facts) >= self.batch:
                # Whole rows go to the database as they add up, so memory stays bounded; they
                # are in the import's transaction, rolled back with it if the import is refused.
                self.write()
        except BaseException:
            for fact in self.facts[facts:]:
                self._staged.pop(fact.id, None)
            del self.facts[facts:]
            del self.rows[rows:]
            del self.citations[cites:]
            del self.names[names:]
            self.index.undo(mark)
            raise

    # -- ids ------------------------------------------------------------------------------------
    def _allocate(self) -> int:
        if self._next is None:
            if self.postgres:
                # Our ids come from our own counter: no one else may add facts until we commit.
                self.s.execute(text("LOCK TABLE fact IN SHARE ROW EXCLUSIVE MODE"))
            top = self.s.execute(text("SELECT coalesce(max(id), 0) FROM fact")).scalar()
            self._next = int(top or 0)
        self._next += 1
        return self._next

    # -- writing ----------------------------------------------------------------------------------
    def write(self, progress: Callable[[int], None] | None = None) -> int:
        """Write everything staged into the session's transaction; how many facts."""
        self.s.flush()  # items preserved by the import go first: citations point at them
        raw: Any = self.s.connection().connection.dbapi_connection
        dialect = self.s.get_bind().dialect
        by_kind: dict[str, list[m.Fact]] = defaultdict(list)
        for f in self.facts:
            by_kind[f.kind].append(f)
        tables: list[tuple[Table, list[Any]]] = [(m.Fact.__table__, self.facts)]  # type: ignore[list-item]
        for kind in _KIND_ORDER:
            if by_kind.get(kind):
                tables.append((m.FACT_CLASSES[kind].__table__, by_kind[kind]))  # type: ignore[arg-type]
        tables.append((m.Name.__table__, self.names))  # type: ignore[arg-type]
        tables.append((m.Citation.__table__, self.citations))  # type: ignore[arg-type]
        by_model: dict[type[Any], list[Any]] = defaultdict(list)
        for r in self.rows:
            by_model[r._model].append(r)
        for model in _ROW_ORDER:
            if by_model.get(model):
                tables.append((model.__table__, by_model[model]))  # type: ignore[arg-type]
        if not self.postgres:
            # SQLite's default page cache (2 MB) thrashes once the indexes outgrow it (keys and
            # names land at random places in theirs): a larger one for this write, then back.
            cache = raw.execute("PRAGMA cache_size").fetchone()[0]
            raw.execute("PRAGMA cache_size = -262144")  # 256 MiB, taken only as it fills
        try:
            for table, objs in tables:
                if not objs:
                    continue
                if isinstance(objs[0], tuple):
                    _insert_tuples(raw, dialect, table, objs, self.postgres)
                else:
                    _insert(raw, dialect, table, objs, self.postgres)
                if progress:
                    progress(len(objs))
        except Exception as exc:
            if not _refused_by_database(exc):
                raise
            # Checked rows should always go in; if the database still refuses one (another
            # writer, a rule this import does not know), the whole import is refused.
            raise CadenaError(
                f"The database refused the import's rows ({exc}); nothing was imported."
            ) from exc
        finally:
            if not self.postgres:
                raw.execute(f"PRAGMA cache_size = {int(cache)}")
        if self.postgres and self.facts:
            self.s.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('fact', 'id'), "
                    "(SELECT max(id) FROM fact))"
                )
            )
        written = len(self.facts)
        self.facts, self.rows, self._staged, self.citations, self.names = [], [], {}, [], []
        return written

    def staged_rows(self) -> int:
        """How many table rows `write()` will write (for a progress bar)."""
        joined = 2 * len(self.facts)  # the fact row and its kind's row
        return joined + len(self.rows) + len(self.citations) + len(self.names)


def _refused_by_database(exc: Exception) -> bool:
    """An error of the database driver (SQLite's, or psycopg's, not imported for SQLite)."""
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def _insert(raw: Any, dialect: Any, table: Table, objs: list[Any], postgres: bool) -> None:
    """Insert the columns of `table` from the objects' attributes, converted as the ORM would
    (JSON as text, booleans as SQLite integers); a column never set is left to the database,
    as the ORM leaves it (so a generated id or NULL), or gets its Python default (`[]`)."""
    cols = _insertable(table, objs)
    names = [c.key for c in cols]
    special = []  # the few columns that need converting: (place, name, converter, default)
    for i, c in enumerate(cols):
        proc = c.type.dialect_impl(dialect).bind_processor(dialect)
        default = c.default.arg if c.default is not None and c.default.is_callable else None
        if proc is not None and isinstance(c.type, JSON):
            proc = _last_of(proc)  # a row's citations share one locator: serialised once
        if proc is not None or default is not None:
            special.append((i, c.key, proc, default))

    def slow(obj: Any) -> list[Any]:
        state = obj.__dict__
        out = [state.get(n) for n in names]
        for i, name, proc, default in special:
            if name not in state:
                if default is None:
                    continue
                out[i] = default(None)
            if proc is not None:
                out[i] = proc(out[i])
        return out

    getter = operator.itemgetter(*names)

    def values(obj: Any) -> Any:
        """The row in column order: taken in one step when every column is set (the usual
        case: staged facts set them all), converting only the JSON and boolean ones."""
        try:
            row = getter(obj.__dict__)
        except KeyError:
            return slow(obj)
        if not special:
            return row
        out = list(row)
        for i, _name, proc, _default in special:
            if proc is not None:
                out[i] = proc(out[i])
        return out

    column_list = ", ".join(c.name for c in cols)
    for start in range(0, len(objs), _CHUNK):
        chunk = objs[start : start + _CHUNK]
        if postgres:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy,
            ):
                for obj in chunk:
                    copy.write_row(values(obj))
        else:
            marks = ", ".join("?" for _ in cols)
            raw.executemany(
                f"INSERT INTO {table.name} ({column_list}) VALUES ({marks})",
                [values(obj) for obj in chunk],
            )


_TUPLE_COLUMNS = {
    "fact_name": ("fact_id", "name", "folded", "is_alias"),
    "fact_citation": ("fact_id", "item_sha256", "locator", "quote", "reference"),
}


def _insert_tuples(
    raw: Any, dialect: Any, table: Table, rows: list[tuple[Any, ...]], postgres: bool
) -> None:
    """Rows kept as tuples in `_TUPLE_COLUMNS` order, converted as the ORM would."""
    names = _TUPLE_COLUMNS[table.name]
    procs: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(names):
        col = table.columns[name]
        bind = col.type.dialect_impl(dialect).bind_processor(dialect)
        if bind is not None:
            procs.append((i, _last_of(bind) if isinstance(col.type, JSON) else bind))
    column_list = ", ".join(names)
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        if procs:
            converted = []
            for row in chunk:
                values = list(row)
                for i, convert in procs:
                    values[i] = convert(values[i])
                converted.append(values)
        else:
            converted = [list(r) for r in chunk]
        if postgres:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table.name} ({column_list}) FROM STDIN") as copy,
            ):
                for values in converted:
                    copy.write_row(values)
        else:
            marks = ", ".join("?" for _ in names)
            raw.executemany(f"INSERT INTO {table.name} ({column_list}) VALUES ({marks})", converted)


def _last_of(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`proc`, remembering its last argument (by identity) and answer."""
    last: list[Any] = [object(), None]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, proc(value)
        return last[1]

    return convert


def _insertable(table: Table, objs: list[Any]) -> list[Any]:
    """The columns to write: all but a generated id nobody set (citation and name ids)."""
    first = objs[0].__dict__
    return [
        c
        for c in table.columns
        if not (c.primary_key and c.key == "id" and c.key not in first and table.name != "fact")
    ]

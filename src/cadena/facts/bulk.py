"""Recording many facts at once: the same checks as `Recorder`, but rows are staged in memory and
written in a few bulk statements (executemany on SQLite, COPY on PostgreSQL) at the end.

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

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from cadena.db import Base
from cadena.errors import CadenaError
from cadena.facts import models as m
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
_ROW_ORDER: tuple[type[Base], ...] = (
    m.Name,
    m.Citation,
    m.OrderUnit,
    m.Party,
    m.VictimIdentity,
)
_BATCH = 50_000  # rows a statement: bounds the memory a COPY or executemany holds at once
_IDENTITY: dict[type[Any], str] = {}  # model -> its fact kind ("" for other tables)


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

    def __init__(self, case: Case, session: Session) -> None:
        super().__init__(case, session, log=False)
        self.index = NameIndex(session)
        self.facts: list[m.Fact] = []
        self.rows: list[Any] = []
        self._next: int | None = None
        self._staged: dict[int, m.Fact] = {}
        self._created: str | None = None
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
        return cast(T, Staged(model, fields))

    def _now(self) -> str:
        # One time for the whole import: its facts are written, and committed, together.
        if self._created is None:
            self._created = custody.now()
        return self._created

    def ref(self, kind: str, value: Ref) -> int:
        if not isinstance(value, str | int):
            return value.id
        return self.index.resolve(kind, value, self.label)

    def party_of(self, name: str) -> tuple[str, int]:
        return self.index.person_or_unit(name, self.label)

    def posts_in(self, unit_id: int) -> list[tuple[int, str, str | None]]:
        return self.index.posts_of(unit_id)

    def _store(self, fact: m.Fact) -> None:
        if fact.key and self.index.key_taken(fact.kind, fact.key):
            raise DuplicateKey(f"the id {fact.key!r} is already used for another {fact.kind}")
        fact.id = self._allocate()
        self.facts.append(fact)
        self._staged[fact.id] = fact
        if fact.kind not in ("unit", "person"):
            self.index.add(fact)  # units and persons are indexed with their names (below)

    def _store_rows(self, rows: Iterable[Any]) -> None:
        rows = list(rows)
        self.rows.extend(rows)
        names = [r for r in rows if r._model is m.Name]
        if names:
            fact = self._staged[names[0].fact_id]
            self.index.add(fact, [(n.folded, n.is_alias) for n in names])

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
        try:
            yield
        except BaseException:
            for fact in self.facts[facts:]:
                self._staged.pop(fact.id, None)
            del self.facts[facts:]
            del self.rows[rows:]
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
        raw = self.s.connection().connection.dbapi_connection
        dialect = self.s.get_bind().dialect
        by_kind: dict[str, list[m.Fact]] = defaultdict(list)
        for f in self.facts:
            by_kind[f.kind].append(f)
        tables: list[tuple[Table, list[Any]]] = [(m.Fact.__table__, self.facts)]  # type: ignore[list-item]
        for kind in _KIND_ORDER:
            if by_kind.get(kind):
                tables.append((m.FACT_CLASSES[kind].__table__, by_kind[kind]))  # type: ignore[arg-type]
        by_model: dict[type[Any], list[Any]] = defaultdict(list)
        for r in self.rows:
            by_model[r._model].append(r)
        for model in _ROW_ORDER:
            if by_model.get(model):
                tables.append((model.__table__, by_model[model]))  # type: ignore[arg-type]
        for table, objs in tables:
            _insert(raw, dialect, table, objs, self.postgres)
            if progress:
                progress(len(objs))
        if self.postgres and self.facts:
            self.s.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('fact', 'id'), "
                    "(SELECT max(id) FROM fact))"
                )
            )
        written = len(self.facts)
        self.facts, self.rows, self._staged = [], [], {}
        return written

    def staged_rows(self) -> int:
        """How many table rows `write()` will write (for a progress bar)."""
        joined = sum(2 for _ in self.facts)  # the fact row and its kind's row
        return joined + len(self.rows)


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
        if proc is not None or default is not None:
            special.append((i, c.key, proc, default))

    def values(obj: Any) -> list[Any]:
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

    column_list = ", ".join(c.name for c in cols)
    for start in range(0, len(objs), _BATCH):
        chunk = objs[start : start + _BATCH]
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


def _insertable(table: Table, objs: list[Any]) -> list[Any]:
    """The columns to write: all but a generated id nobody set (citation and name ids)."""
    first = objs[0].__dict__
    return [
        c
        for c in table.columns
        if not (c.primary_key and c.key == "id" and c.key not in first and table.name != "fact")
    ]

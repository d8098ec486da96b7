"""Units, persons, posts, incidents, orders by id, key, name or alias, accent- and case-blind.

Order of look-up: `#12` or `12` (the fact id), then the researcher's key (`U1`), then primary
names, then aliases. A primary name wins over an alias; two facts sharing the winning name are
refused as ambiguous, listing them, never guessed. A merged fact resolves to the one it was merged
into.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts.models import Fact, Incident, Name, Order, Post, Unit
from cadena.facts.names import fold


class UnknownName(CadenaError):
    """Nothing in the case answers to that name."""


class AmbiguousName(CadenaError):
    """Several facts answer to that name; the message lists them."""

    def __init__(self, message: str, candidates: list[tuple[int, str]]) -> None:
        super().__init__(message)
        self.candidates = candidates


_TITLED: dict[str, type[Incident] | type[Order]] = {"incident": Incident, "order": Order}


Candidates = Callable[[str, "str | int"], list[int]]  # (kind, ref) -> live ids
Labels = Callable[[int], str]


def resolve(s: Session, kind: str, ref: str | int) -> int:
    """The id of the live fact of `kind` that `ref` names; refuses unknown or ambiguous names."""
    return _one(kind, ref, candidates(s, kind, ref), lambda i: label(s, i))


def _one(kind: str, ref: str | int, ids: list[int], label_of: Labels) -> int:
    if not ids:
        raise UnknownName(f"No {kind} in this case is called {ref!r} (by id, key, name or alias).")
    if len(ids) > 1:
        named = [(i, label_of(i)) for i in ids]
        listing = "; ".join(f"#{i} {n}" for i, n in named)
        raise AmbiguousName(
            f"{ref!r} names {len(ids)} {kind}s: {listing}. Give the id (#N) or the key instead.",
            named,
        )
    return ids[0]


_BY_ID = text("SELECT id, merged_into FROM fact WHERE id = :id AND kind = :kind")


def candidates(s: Session, kind: str, ref: str | int) -> list[int]:
    """Every live fact of `kind` that `ref` could name, by the first rule that finds any."""
    text = str(ref).strip()
    number = text.removeprefix("#")
    if number.isdigit():
        found = s.execute(_BY_ID, {"id": int(number), "kind": kind}).first()
        if found is not None:
            return [_live(s, found[0], found[1])]
    found_keys = s.execute(
        select(Fact.id, Fact.merged_into).where(
            Fact.kind == kind, func.lower(Fact.key) == text.lower()
        )
    ).all()
    if found_keys:
        return sorted({_live(s, i, m) for i, m in found_keys})
    folded = fold(text)
    if not folded:
        return []
    if kind == "post":
        return _posts(s, folded)
    if kind in _TITLED:
        model = _TITLED[kind]
        titled = s.execute(select(model.id, model.title, model.merged_into)).all()
        return sorted({_live(s, i, m) for i, t, m in titled if fold(t) == folded})
    rows = s.execute(
        select(Name.fact_id, Name.is_alias, Fact.merged_into)
        .join(Fact, Fact.id == Name.fact_id)
        .where(Name.folded == folded, Fact.kind == kind)
    ).all()
    primary = sorted({_live(s, i, m) for i, alias, m in rows if not alias})
    if primary:
        return primary
    return sorted({_live(s, i, m) for i, _alias, m in rows})


def _posts(s: Session, folded: str) -> list[int]:
    """A post by its title, or `title, unit name` (`Commander, 3rd Battalion`)."""
    post, unit, fact = Post.__table__, Unit.__table__, Fact.__table__
    rows = s.execute(
        select(post.c.id, post.c.title, unit.c.name)
        .select_from(
            post.join(fact, fact.c.id == post.c.id).outerjoin(unit, unit.c.id == post.c.unit_id)
        )
        .where(fact.c.merged_into.is_(None))
    ).all()
    exact = [i for i, title, _unit in rows if fold(title) == folded]
    if exact:
        return sorted(exact)
    return sorted(i for i, title, name in rows if name and fold(f"{title} {name}") == folded)


def _live(s: Session, fact_id: int, merged_into: int | None) -> int:
    seen = {fact_id}
    while merged_into is not None and merged_into not in seen:
        seen.add(merged_into)
        fact_id = merged_into
        merged_into = s.execute(select(Fact.merged_into).where(Fact.id == fact_id)).scalar_one()
    return fact_id


def label(s: Session, fact_id: int) -> str:
    """A short human name for any fact (for messages and results)."""
    fact = s.get(Fact, fact_id)
    if fact is None:
        return f"#{fact_id}"
    for attr in ("name", "title", "pseudonym"):
        value = getattr(fact, attr, None)
        if value:
            return str(value)
    return f"{fact.kind} #{fact_id}"


def person_or_unit(s: Session, ref: str) -> tuple[str, int]:
    """A party named in a sheet: a person, a unit or a post; refused when it could be two kinds."""
    return _party(ref, lambda kind, r: candidates(s, kind, r), lambda i: label(s, i))


def _party(ref: str, candidates_of: Candidates, label_of: Labels) -> tuple[str, int]:
    hits: list[tuple[str, int]] = []
    for kind in ("person", "unit", "post"):
        ids = candidates_of(kind, ref)
        if len(ids) > 1:
            _one(kind, ref, ids, label_of)  # raises AmbiguousName with the listing
        hits.extend((kind, i) for i in ids)
    if not hits:
        raise UnknownName(f"No person, unit or post in this case is called {ref!r}.")
    if len(hits) > 1:
        listing = "; ".join(f"{k} #{i} {label_of(i)}" for k, i in hits)
        raise AmbiguousName(
            f"{ref!r} could be {listing}. Write the id (#N) instead.",
            [(i, label_of(i)) for _k, i in hits],
        )
    return hits[0]


# -- in memory, for bulk imports ------------------------------------------------------------------

_NAMED = ("unit", "person")
# Post titles and unit names repeat across a bulk import's rows: folded once each.
_fold_short = functools.lru_cache(maxsize=65536)(fold)


class NameIndex:
    """The rules of `candidates` over the case's keys, names and titles held in memory, plus the
    facts an import has staged but not yet written: a bulk import resolves thousands of references
    without a query each. Each kind is read from the database once, when first asked for.

    `mark()`/`undo(mark)` take back what a refused row added, so it cannot answer for later rows.
    """

    def __init__(self, s: Session) -> None:
        self.s = s
        self._loaded: set[str] = set()
        self.keys: dict[str, dict[str, list[int]]] = {}  # kind -> lower(key) -> ids
        self.exact: set[tuple[str, str]] = set()  # (kind, key) as stored: the unique constraint
        self.names: dict[str, dict[str, list[tuple[int, bool]]]] = {}  # kind -> folded -> ids
        self.titles: dict[str, dict[str, list[int]]] = {}  # incident/order: folded title -> ids
        self.posts: dict[str, list[int]] = {}  # folded title -> live post ids
        self.posts_in: dict[str, list[int]] = {}  # folded "title unit-name" -> live post ids
        self.unit_name: dict[int, str] = {}  # primary names of staged units (for posts_in)
        self.unit_posts: dict[int, list[tuple[int, str, str | None]]] = {}  # live posts of a unit
        self.kind_of: dict[int, str] = {}  # staged ids
        self.merged: dict[int, int] = {}  # id -> merged_into, for facts of the database
        self._journal: list[tuple[Any, Any]] = []
        self._by_id: dict[int, tuple[str, int | None] | None] = {}
        for i, into in s.execute(
            select(Fact.id, Fact.merged_into).where(Fact.merged_into.is_not(None))
        ):
            if into is not None:
                self.merged[i] = into

    # -- loading -------------------------------------------------------------------------------
    def _load(self, kind: str) -> None:
        if kind in self._loaded:
            return
        self._loaded.add(kind)
        keys = self.keys.setdefault(kind, {})
        for i, key in self.s.execute(
            select(Fact.id, Fact.key).where(Fact.kind == kind, Fact.key.is_not(None))
        ):
            if key is not None:
                keys.setdefault(key.lower(), []).append(i)
                self.exact.add((kind, key))
        if kind in _NAMED:
            names = self.names.setdefault(kind, {})
            for i, folded, alias in self.s.execute(
                select(Name.fact_id, Name.folded, Name.is_alias)
                .join(Fact, Fact.id == Name.fact_id)
                .where(Fact.kind == kind)
            ):
                names.setdefault(folded, []).append((i, bool(alias)))
        elif kind == "post":
            post, unit, fact = Post.__table__, Unit.__table__, Fact.__table__
            for i, title, uname, unit_id, key in self.s.execute(
                select(post.c.id, post.c.title, unit.c.name, post.c.unit_id, fact.c.key)
                .select_from(
                    post.join(fact, fact.c.id == post.c.id).outerjoin(
                        unit, unit.c.id == post.c.unit_id
                    )
                )
                .where(fact.c.merged_into.is_(None))
            ):
                self.posts.setdefault(fold(title), []).append(i)
                if unit_id is not None:
                    self.unit_posts.setdefault(unit_id, []).append((i, title, key))
                if uname:
                    self.posts_in.setdefault(fold(f"{title} {uname}"), []).append(i)
        elif kind in _TITLED:
            model = _TITLED[kind]
            titles = self.titles.setdefault(kind, {})
            for i, title in self.s.execute(select(model.id, model.title)):
                titles.setdefault(fold(title), []).append(i)

    # -- staging -------------------------------------------------------------------------------
    def _put(self, table: dict[Any, list[Any]], key: Any, value: Any) -> None:
        bucket = table.get(key)
        if bucket is None:
            bucket = table[key] = []
        bucket.append(value)
        self._journal.append((bucket, value))

    def key_taken(self, kind: str, key: str) -> bool:
        if kind not in self._loaded:
            self._load(kind)
        return (kind, key) in self.exact

    def add(self, fact: Fact, names: list[tuple[str, bool]] = ()) -> None:  # type: ignore[assignment]
        """A staged fact, and its folded names (units and persons) as (folded, is_alias)."""
        kind = fact.kind
        if kind not in self._loaded:
            self._load(kind)
        self.kind_of[fact.id] = kind
        self._journal.append((None, fact.id))
        if fact.key:
            self._put(self.keys[kind], fact.key.lower(), fact.id)
            self.exact.add((kind, fact.key))
            self._journal.append((self.exact, (kind, fact.key)))
        if kind in _NAMED:
            for folded, alias in names:
                self._put(self.names[kind], folded, (fact.id, alias))
            if kind == "unit":
                self.unit_name[fact.id] = fact.name  # type: ignore[attr-defined]
        elif kind == "post":
            title = fact.title  # type: ignore[attr-defined]
            self._put(self.posts, _fold_short(title), fact.id)
            unit_id = fact.unit_id  # type: ignore[attr-defined]
            if unit_id:
                self._put(self.unit_posts, unit_id, (fact.id, title, fact.key))
            uname = self.unit_name.get(unit_id) if unit_id else None
            if unit_id and uname is None:
                uname = self.s.execute(select(Unit.name).where(Unit.id == unit_id)).scalar()
            if uname:
                both = " ".join(x for x in (_fold_short(title), _fold_short(uname)) if x)
                self._put(self.posts_in, both, fact.id)
        elif kind in _TITLED:
            self._put(self.titles[kind], fold(fact.title), fact.id)  # type: ignore[attr-defined]

    def posts_of(self, unit_id: int) -> list[tuple[int, str, str | None]]:
        """The live posts of a unit, staged ones included: (id, title, key)."""
        self._load("post")
        return list(self.unit_posts.get(unit_id, []))

    def mark(self) -> int:
        return len(self._journal)

    def keep(self, mark: int) -> None:
        """What was added since `mark` stays: its record for `undo` is dropped (memory)."""
        del self._journal[mark:]

    def undo(self, mark: int) -> None:
        while len(self._journal) > mark:
            where, value = self._journal.pop()
            if where is None:
                self.kind_of.pop(value, None)
                self.unit_name.pop(value, None)
            elif isinstance(where, set):
                where.discard(value)
            else:
                where.pop()  # appends are undone in reverse order: the value is the last one

    # -- look-up -------------------------------------------------------------------------------
    def _live(self, fact_id: int) -> int:
        seen = {fact_id}
        while fact_id in self.merged and self.merged[fact_id] not in seen:
            fact_id = self.merged[fact_id]
            seen.add(fact_id)
        return fact_id

    def _id(self, number: int, kind: str) -> int | None:
        if number in self.kind_of:
            return number if self.kind_of[number] == kind else None
        if number not in self._by_id:
            row = self.s.execute(_BY_ID_ANY, {"id": number}).first()
            self._by_id[number] = (row[0], row[1]) if row else None
        found = self._by_id[number]
        return self._live(number) if found and found[0] == kind else None

    def candidates(self, kind: str, ref: str | int) -> list[int]:
        """What `candidates` answers, for the database and the staged facts together."""
        self._load(kind)
        text = str(ref).strip()
        number = text.removeprefix("#")
        if number.isdigit():
            found = self._id(int(number), kind)
            if found is not None:
                return [found]
        keyed = self.keys[kind].get(text.lower())
        if keyed:
            return sorted({self._live(i) for i in keyed})
        folded = fold(text)
        if not folded:
            return []
        if kind == "post":
            return sorted(set(self.posts.get(folded) or self.posts_in.get(folded) or []))
        if kind in _TITLED:
            return sorted({self._live(i) for i in self.titles[kind].get(folded, [])})
        hits = self.names.get(kind, {}).get(folded, [])
        primary = sorted({self._live(i) for i, alias in hits if not alias})
        return primary or sorted({self._live(i) for i, _alias in hits})

    def resolve(self, kind: str, ref: str | int, label_of: Labels | None = None) -> int:
        """What `resolve` answers, for the database and the staged facts together."""
        return _one(kind, ref, self.candidates(kind, ref), label_of or _bare)

    def person_or_unit(self, ref: str, label_of: Labels | None = None) -> tuple[str, int]:
        """What `person_or_unit` answers, in memory."""
        return _party(ref, self.candidates, label_of or _bare)


def _bare(fact_id: int) -> str:
    return f"#{fact_id}"


_BY_ID_ANY = text("SELECT kind, merged_into FROM fact WHERE id = :id")

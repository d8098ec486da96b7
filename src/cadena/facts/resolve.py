"""Units, persons, posts, incidents, orders by id, key, name or alias, accent- and case-blind.

Order of look-up: `#12` or `12` (the fact id), then the researcher's key (`U1`), then primary
names, then aliases. A primary name wins over an alias; two facts sharing the winning name are
refused as ambiguous, listing them, never guessed. A merged fact resolves to the one it was merged
into.
"""

from __future__ import annotations

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


def resolve(s: Session, kind: str, ref: str | int) -> int:
    """The id of the live fact of `kind` that `ref` names; refuses unknown or ambiguous names."""
    ids = candidates(s, kind, ref)
    if not ids:
        raise UnknownName(f"No {kind} in this case is called {ref!r} (by id, key, name or alias).")
    if len(ids) > 1:
        named = [(i, label(s, i)) for i in ids]
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
    hits: list[tuple[str, int]] = []
    for kind in ("person", "unit", "post"):
        ids = candidates(s, kind, ref)
        if len(ids) > 1:
            resolve(s, kind, ref)  # raises AmbiguousName with the listing
        hits.extend((kind, i) for i in ids)
    if not hits:
        raise UnknownName(f"No person, unit or post in this case is called {ref!r}.")
    if len(hits) > 1:
        listing = "; ".join(f"{k} #{i} {label(s, i)}" for k, i in hits)
        raise AmbiguousName(
            f"{ref!r} could be {listing}. Write the id (#N) instead.",
            [(i, label(s, i)) for _k, i in hits],
        )
    return hits[0]

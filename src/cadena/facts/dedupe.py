"""Likely duplicate persons and units, listed for a person to decide; merges that can be undone.

`find_duplicates` compares folded names and aliases (rapidfuzz's token-set ratio, so word order
and a missing second surname matter little), only between records sharing a word of three
letters or more (so it scales), and says why each pair is listed (names, aliases, same rank,
same force). Nothing is merged here.

`merge` re-points every row that refers to the merged fact (tenures, ranks, links, posts,
deployments, attributions, orders, parties, names), marks it `merged_into`, records each row it
moved in `fact_merge`, and logs a signed `merge` custody entry; `unmerge` puts every row back
and logs `unmerge`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any, cast

from rapidfuzz import fuzz
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.names import fold
from cadena.facts.resolve import resolve
from cadena.vault import custody
from cadena.vault.case import Case


@dataclass(frozen=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True)
class Pair:
    kind: str
    a: Named
    b: Named
    score: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _names(s: Session, kind: str) -> dict[int, tuple[str, list[str]]]:
    """Live facts of `kind`: primary name and every folded name/alias."""
    out: dict[int, tuple[str, list[str]]] = {}
    rows = s.execute(
        select(m.Name.fact_id, m.Name.name, m.Name.folded, m.Name.is_alias)
        .join(m.Fact, m.Fact.id == m.Name.fact_id)
        .where(m.Fact.kind == kind, m.Fact.merged_into.is_(None))
        .order_by(m.Name.id)
    )
    for fid, name, folded, alias in rows:
        primary, all_names = out.get(fid, ("", []))
        out[fid] = (primary if alias or primary else name, [*all_names, folded])
    return out


def _extra(s: Session, kind: str) -> dict[int, set[str]]:
    """What else can tell two records apart or together: ranks of persons, force of units."""
    extra: dict[int, set[str]] = defaultdict(set)
    if kind == "person":
        for pid, rank in s.execute(select(m.Rank.person_id, m.Rank.rank)):
            extra[pid].add(fold(rank))
    else:
        for uid, force in s.execute(select(m.Unit.id, m.Unit.force)):
            extra[uid].add(force)
    return extra


def find_duplicates(s: Session, kind: str, *, threshold: float = 88.0) -> list[Pair]:
    """Pairs of live persons or units whose names or aliases look alike, best first."""
    if kind not in ("person", "unit"):
        raise CadenaError("Duplicates are looked for among persons or units.")
    names = _names(s, kind)
    blocks: dict[str, set[int]] = defaultdict(set)
    for fid, (_primary, folded) in names.items():
        for text in folded:
            for word in text.split():
                if len(word) >= 3:
                    blocks[word].add(fid)
    seen: set[tuple[int, int]] = set()
    pairs: list[Pair] = []
    extra = _extra(s, kind)
    for ids in blocks.values():
        if len(ids) > 500:  # a word everyone shares ("policia", "battalion") says nothing
            continue
        ordered = sorted(ids)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                if (a, b) in seen:
                    continue
                seen.add((a, b))
                pair = _compare(kind, a, b, names, extra, threshold)
                if pair:
                    pairs.append(pair)
    return sorted(pairs, key=lambda p: (-p.score, p.a.id, p.b.id))


def _compare(
    kind: str,
    a: int,
    b: int,
    names: dict[int, tuple[str, list[str]]],
    extra: dict[int, set[str]],
    threshold: float,
) -> Pair | None:
    best, why = 0.0, ""
    for x in names[a][1]:
        for y in names[b][1]:
            score = (
                fuzz.token_set_ratio(x, y)
                if min(len(x.split()), len(y.split())) > 1
                else fuzz.ratio(x, y)
            )
            if score > best:
                best, why = score, f"{x!r} ~ {y!r}"
    if best < threshold:
        return None
    shared = extra.get(a, set()) & extra.get(b, set())
    differ = extra.get(a) and extra.get(b) and not shared
    reason = f"names {why} ({best:.0f})"
    if shared:
        reason += f"; same {'rank' if kind == 'person' else 'force'}: {', '.join(sorted(shared))}"
    if differ and kind == "unit":
        return None  # a police and an army unit of the same name are not the same unit
    return Pair(kind, Named(a, names[a][0]), Named(b, names[b][0]), float(best), reason)


def _t(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


# -- merging ----------------------------------------------------------------------------------

# The columns that refer to a person or a unit, by kind.
_REFS: dict[str, list[tuple[Table, str]]] = {
    "person": [
        (_t(m.Rank), "person_id"),
        (_t(m.Tenure), "person_id"),
        (_t(m.Attribution), "person_id"),
        (_t(m.Order), "issued_by_person_id"),
        (_t(m.Party), "person_id"),
    ],
    "unit": [
        (_t(m.UnitLink), "child_id"),
        (_t(m.UnitLink), "parent_id"),
        (_t(m.Post), "unit_id"),
        (_t(m.Deployment), "unit_id"),
        (_t(m.Attribution), "unit_id"),
        (_t(m.Party), "unit_id"),
    ],
}


def merge(
    case: Case, kind: str, keep: str | int, other: str | int, *, reason: str | None = None
) -> dict[str, Any]:
    """Merge `other` into `keep` (both persons or both units); reversible with `unmerge`."""
    if kind not in _REFS:
        raise CadenaError("Merge persons or units (--kind person|unit).")
    with case.session() as s:
        keep_id, other_id = resolve(s, kind, keep), resolve(s, kind, other)
        if keep_id == other_id:
            raise CadenaError("Those name the same record already; nothing to merge.")
        moved: dict[str, list[Any]] = {}
        for table, col in _REFS[kind]:
            ids = list(s.execute(select(table.c.id).where(table.c[col] == other_id)).scalars())
            if ids:
                s.execute(update(table).where(table.c.id.in_(ids)).values({col: keep_id}))
                moved[f"{table.name}.{col}"] = ids
        if kind == "unit":
            moved["fact_order_unit"] = _move_order_units(s, other_id, keep_id)
        names = list(
            s.execute(select(m.Name.id, m.Name.is_alias).where(m.Name.fact_id == other_id)).all()
        )
        s.execute(
            update(m.Name).where(m.Name.fact_id == other_id).values(fact_id=keep_id, is_alias=True)
        )
        moved["fact_name"] = [[i, bool(a)] for i, a in names]
        s.execute(update(m.Fact).where(m.Fact.id == other_id).values(merged_into=keep_id))
        record = m.MergeRecord(
            kept_id=keep_id, merged_id=other_id, moved=moved, reason=reason, at=custody.now()
        )
        s.add(record)
        s.flush()
        case.log(
            s,
            "merge",
            None,
            {
                "merge": record.id,
                "kind": kind,
                "kept": keep_id,
                "merged": other_id,
                "reason": reason,
                "moved": moved,
            },
        )
        return {
            "merge": record.id,
            "kept": keep_id,
            "merged": other_id,
            "moved": moved,
            "message": f"Merged #{other_id} into #{keep_id} (merge {record.id}; undo with "
            f"`cadena merge --undo {record.id}`).",
        }


def _move_order_units(s: Session, old: int, new: int) -> list[list[int]]:
    """Orders addressed to the merged unit: [order id, 1 if re-pointed, 0 if already to both]."""
    t = _t(m.OrderUnit)
    out = []
    for order_id in list(s.execute(select(t.c.order_id).where(t.c.unit_id == old)).scalars()):
        both = s.execute(
            select(t.c.order_id).where(t.c.order_id == order_id, t.c.unit_id == new)
        ).first()
        if both:
            s.execute(t.delete().where(t.c.order_id == order_id, t.c.unit_id == old))
        else:
            s.execute(
                update(t).where(t.c.order_id == order_id, t.c.unit_id == old).values(unit_id=new)
            )
        out.append([order_id, 0 if both else 1])
    return out


def unmerge(case: Case, merge_id: int) -> dict[str, Any]:
    """Undo a merge: every moved row back to the merged record, which is live again."""
    with case.session() as s:
        record = s.get(m.MergeRecord, merge_id)
        if record is None:
            raise CadenaError(f"No merge number {merge_id} in this case.")
        if record.undone_at:
            raise CadenaError(f"Merge {merge_id} was already undone at {record.undone_at}.")
        old, new = record.merged_id, record.kept_id
        tables = {t.name: t for refs in _REFS.values() for t, _c in refs}
        for key, ids in record.moved.items():
            if key == "fact_name":
                for name_id, was_alias in ids:
                    s.execute(
                        update(m.Name)
                        .where(m.Name.id == name_id)
                        .values(fact_id=old, is_alias=was_alias)
                    )
            elif key == "fact_order_unit":
                _restore_order_units(s, ids, old, new)
            else:
                table, col = key.split(".")
                s.execute(
                    update(tables[table]).where(tables[table].c.id.in_(ids)).values({col: old})
                )
        s.execute(update(m.Fact).where(m.Fact.id == old).values(merged_into=None))
        record.undone_at = custody.now()
        case.log(s, "unmerge", None, {"merge": merge_id, "kept": new, "restored": old})
        return {
            "merge": merge_id,
            "restored": old,
            "message": f"Merge {merge_id} undone: #{old} is its own record again.",
        }


def _restore_order_units(s: Session, rows: list[list[int]], old: int, new: int) -> None:
    t = _t(m.OrderUnit)
    for order_id, repointed in rows:
        if repointed:
            s.execute(
                update(t).where(t.c.order_id == order_id, t.c.unit_id == new).values(unit_id=old)
            )
        else:
            s.execute(t.insert().values(order_id=order_id, unit_id=old))

"""The questions the record answers, as one library API under `cadena query`:

* `commander(s, unit, on)`: who commanded a unit at a moment;
* `chain(s, unit, on)`: every unit above it on the administrative and operational lines, to the
  top, each with its commanders at that moment;
* `deployed(s, place, start, end)`: which units were at a place during a window;
* `timeline(s, person_or_unit)`: everything on record about one person or unit, in date order.

Every answer cites the facts it rests on (`Cited`, with their citations) and names the assumption
that carried it (`basis` and the sentence in `assumption`): "held on 2022-12-15: cited 2022-11-02
and 2023-01-20, assumed continuous between". `bases` narrows which assumptions may be used (the
default allows every one, and the answer names it; `STRICT_BASES` keeps to dates on record).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Row,
    String,
    and_,
    bindparam,
    column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import chainsql
from cadena.facts import models as m
from cadena.facts.citations import Cite
from cadena.facts.names import fold
from cadena.facts.resolve import candidates, resolve
from cadena.facts.time import (
    ALL_BASES,
    Basis,
    Coverage,
    Moment,
    PartialDate,
    TimeSpan,
    Window,
    coverage,
)

F = m.Fact.__table__
L = m.UnitLink.__table__
P = m.Post.__table__
T = m.Tenure.__table__
U = m.Unit.__table__
PER = m.Person.__table__
C = m.Citation.__table__
DEFAULT_LINES = ("administrative", "operational")


# -- what answers are made of -------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A unit, person or post named in an answer."""

    id: int
    kind: str
    name: str


@dataclass(frozen=True)
class Cited:
    """A fact an answer rests on: its span, confidence, named assumption and citations."""

    fact_id: int
    kind: str
    key: str | None
    confidence: str
    span: dict[str, str | None]
    assumption: str | None
    citations: tuple[Cite, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [c.as_dict() for c in self.citations]
        return d


@dataclass(frozen=True)
class Holder:
    """A person holding a post at the moment asked about, and on what basis."""

    person: Entity
    post: Entity
    role: str
    unit: Entity | None
    basis: Basis
    assumption: str
    tenure: Cited
    post_fact: Cited


@dataclass(frozen=True)
class CommanderAnswer:
    unit: Entity
    on: str
    holders: tuple[Holder, ...]
    superseded: tuple[Holder, ...] = ()  # open-ended tenures a later holder of the post displaced
    note: str | None = None

    @property
    def assumptions(self) -> list[str]:
        return _assumptions(h.assumption for h in self.holders if h.basis is not Basis.KNOWN)

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self) | {"assumptions": self.assumptions}


@dataclass(frozen=True)
class Link:
    """`child` under `parent` on a line at the moment, and on what basis."""

    child: Entity
    parent: Entity
    line: str
    basis: Basis
    assumption: str
    fact: Cited


@dataclass(frozen=True)
class ChainNode:
    unit: Entity
    depth: int  # links from the unit asked about, shortest way
    lines: tuple[str, ...]  # the lines by which it was reached ("" for the unit itself)
    commanders: CommanderAnswer


@dataclass(frozen=True)
class ChainAnswer:
    unit: Entity
    on: str
    nodes: tuple[ChainNode, ...]
    links: tuple[Link, ...]
    tops: tuple[Entity, ...]  # units with no parent on record at the moment

    @property
    def assumptions(self) -> list[str]:
        texts = [lk.assumption for lk in self.links if lk.basis is not Basis.KNOWN]
        for node in self.nodes:
            texts.extend(node.commanders.assumptions)
        return _assumptions(texts)

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self) | {"assumptions": self.assumptions}


@dataclass(frozen=True)
class DeploymentHit:
    unit: Entity
    place: str
    operation: str | None
    lat: float | None
    lon: float | None
    distance_m: float | None
    basis: Basis
    assumption: str
    fact: Cited


@dataclass(frozen=True)
class DeployedAnswer:
    place: str | None
    window: str
    hits: tuple[DeploymentHit, ...]

    @property
    def assumptions(self) -> list[str]:
        return _assumptions(h.assumption for h in self.hits if h.basis is not Basis.KNOWN)

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self) | {"assumptions": self.assumptions}


@dataclass(frozen=True)
class TimelineEntry:
    date: str | None  # the earliest date on record for the fact (start, else first cited, ...)
    kind: str
    role: str  # how the subject takes part: holder, child, parent, speaker, about, ...
    summary: str
    fact: Cited


@dataclass(frozen=True)
class TimelineAnswer:
    subject: Entity
    entries: tuple[TimelineEntry, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return _as_dict(self)


def _as_dict(obj: Any) -> dict[str, Any]:
    def clean(v: Any) -> Any:
        if isinstance(v, Basis):
            return v.value
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return clean(asdict(obj))


def _assumptions(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))


# -- moments --------------------------------------------------------------------------------------


def moment(on: str | PartialDate | Window) -> PartialDate | Window:
    return on if isinstance(on, PartialDate | Window) else PartialDate.parse(on)


def _may_hold(f: Any, q: Moment) -> ColumnElement[bool]:
    """Rows not ruled out by a known start after, or a known end before, the moment (the same
    test `coverage` makes first, done in SQL so indexes prune)."""
    return and_(
        f.c.merged_into.is_(None),
        or_(f.c.lo_key.is_(None), f.c.lo_key <= q.hi().strftime("%Y-%m-%dT%H:%M:%S")),
        or_(f.c.hi_key.is_(None), f.c.hi_key >= q.lo().strftime("%Y-%m-%dT%H:%M:%S")),
    )


class _Asked:
    """The moment asked about with its bounds and words worked out once: `coverage` reads them
    for every row of an answer (it needs nothing else of the moment)."""

    __slots__ = ("_lo", "_hi", "_text")

    def __init__(self, q: Moment) -> None:
        self._lo, self._hi, self._text = q.lo(), q.hi(), str(q)

    def lo(self) -> datetime:
        return self._lo

    def hi(self) -> datetime:
        return self._hi

    def __str__(self) -> str:
        return self._text


def asked(q: Moment) -> Moment:
    """`q` for `coverage`, quicker to read."""
    return cast(Moment, _Asked(q))


@lru_cache(maxsize=65536)
def _date(text: str) -> PartialDate:
    return PartialDate.parse(text)  # dates repeat across rows; PartialDate is immutable


def span_of(row: Any) -> TimeSpan:
    """The span of a fact row (anything with start_date, end_date, first_cited, last_cited)."""
    return _span(row.start_date, row.end_date, row.first_cited, row.last_cited)


@lru_cache(maxsize=65536)
def _span(*dates: str | None) -> TimeSpan:
    return TimeSpan(*(_date(v) if v else None for v in dates))  # immutable, so shared


@lru_cache(maxsize=65536)
def _span_items(*dates: str | None) -> tuple[tuple[str, str | None], ...]:
    return tuple(_span(*dates).as_dict().items())


def _keys(q: Moment) -> dict[str, str]:
    return {
        "qlo": q.lo().strftime("%Y-%m-%dT%H:%M:%S"),
        "qhi": q.hi().strftime("%Y-%m-%dT%H:%M:%S"),
    }


# `commander`'s statements, written once as SQL both databases run (the chain's own, on the raw
# driver, are in `chainsql`).
_MAY_HOLD = """{f}.merged_into IS NULL AND ({f}.lo_key IS NULL OR {f}.lo_key <= :qhi)
  AND ({f}.hi_key IS NULL OR {f}.hi_key >= :qlo)"""
_FACT_COLS = (
    "{f}.key, {f}.start_date, {f}.end_date, {f}.first_cited, {f}.last_cited, "
    "{f}.confidence, {f}.assumption"
)
_HOLDERS_SQL = text(f"""
SELECT t.id AS tenure_id, t.person_id, p.id AS post_id, p.unit_id, p.title, p.role,
  per.name AS person_name, u.name AS unit_name, {_FACT_COLS.format(f="ft")},
  fp.key AS p_key, fp.start_date AS p_start, fp.end_date AS p_end,
  fp.first_cited AS p_first, fp.last_cited AS p_last, fp.confidence AS p_conf,
  fp.assumption AS p_assumption
FROM fact_post p JOIN fact fp ON fp.id = p.id JOIN fact_tenure t ON t.post_id = p.id
JOIN fact ft ON ft.id = t.id JOIN fact_person per ON per.id = t.person_id
JOIN fact_unit u ON u.id = p.unit_id
WHERE p.unit_id IN :units AND p.head = :head AND fp.merged_into IS NULL
  AND {_MAY_HOLD.format(f="ft")}
ORDER BY t.id""").bindparams(bindparam("units", expanding=True))
_CITES_SQL = (
    text("""SELECT fact_id, item_sha256, locator, quote, reference FROM fact_citation
WHERE fact_id IN :ids ORDER BY id""")
    .bindparams(bindparam("ids", expanding=True))
    .columns(
        column("fact_id", Integer),
        column("item_sha256", String),
        column("locator", JSON),
        column("quote", String),
        column("reference", String),
    )
)


def _cited(row: Any, fact_id: int, kind: str, cites: dict[int, list[Cite]]) -> Cited:
    span = _span_items(row.start_date, row.end_date, row.first_cited, row.last_cited)
    return Cited(
        fact_id,
        kind,
        row.key,
        row.confidence,
        dict(span),  # a dict of its own: an answer's parts may be changed by whoever holds it
        row.assumption,
        tuple(cites.get(fact_id, ())),
    )


def citations_for(s: Session, ids: Iterable[int]) -> dict[int, list[Cite]]:
    """Every citation of the given facts, by fact id, in the order recorded."""
    wanted = sorted(set(ids))
    out: dict[int, list[Cite]] = defaultdict(list)
    if not wanted:
        return out
    for fid, item, locator, quote, ref in s.execute(_CITES_SQL, {"ids": wanted}):
        out[fid].append(Cite(item, locator, quote, ref))
    return out


# -- commander ------------------------------------------------------------------------------------


def commander(
    s: Session,
    unit: str | int,
    on: str | PartialDate | Window,
    *,
    bases: frozenset[Basis] = ALL_BASES,
) -> CommanderAnswer:
    """Who held a post commanding `unit` at `on`, each with the tenure and post cited and the
    assumption named; an empty answer says so in `note`."""
    q = moment(on)
    uid = resolve(s, "unit", unit)
    covered = _covered(_holder_rows(s, [uid], q), q, bases)
    cites = citations_for(
        s, [r.tenure_id for r, _c, _s in covered] + [r.post_id for r, _c, _s in covered]
    )
    names = _unit_names(s, [uid])
    return _commanders(s, Entity(uid, "unit", names[uid]), q, covered, cites, explain=True)


def _holder_rows(s: Session, unit_ids: Sequence[int], q: Moment) -> list[Row[Any]]:
    """Tenures of the posts commanding these units that are not ruled out at the moment."""
    params = {"units": list(unit_ids), "head": True, **_keys(q)}
    return list(s.execute(_HOLDERS_SQL, params))


def _covered(
    rows: Iterable[Any], q: Moment, bases: frozenset[Basis]
) -> list[tuple[Any, Coverage, TimeSpan]]:
    """The rows that hold at the moment on an allowed basis, with that basis and their span."""
    out = []
    for r in rows:
        span = span_of(r)
        cov = coverage(span, q)
        if cov is not None and cov.basis in bases:
            out.append((r, cov, span))
    return out


def _commanders(
    s: Session,
    unit: Entity,
    q: Moment,
    covered: list[tuple[Any, Coverage, TimeSpan]],
    cites: dict[int, list[Cite]],
    explain: bool = False,
) -> CommanderAnswer:
    found = [
        (_holder(r, cov, cites, unit), span) for r, cov, span in covered if r.unit_id == unit.id
    ]
    kept, dropped = _supersede(found)
    note = None
    if not kept:  # `explain` lists the tenures nearest in time (one more query)
        note = f"No commander of {unit.name} is on record for {q}."
        if explain:
            note += _nearest(s, unit.id, q)
    return CommanderAnswer(unit, str(q), tuple(kept), tuple(dropped), note)


def _holder(r: Any, cov: Coverage, cites: dict[int, list[Cite]], unit: Entity) -> Holder:
    """A holder of a post of `unit` (the row's unit)."""
    return Holder(
        person=Entity(r.person_id, "person", r.person_name),
        post=Entity(r.post_id, "post", r.title),
        role=r.role,
        unit=unit,
        basis=cov.basis,
        assumption=cov.text,
        tenure=_cited(r, r.tenure_id, "tenure", cites),
        post_fact=Cited(  # the post's own columns, p_-prefixed in a holder row
            r.post_id,
            "post",
            r.p_key,
            r.p_conf,
            dict(_span_items(r.p_start, r.p_end, r.p_first, r.p_last)),
            r.p_assumption,
            tuple(cites.get(r.post_id, ())),
        ),
    )


def _supersede(found: list[tuple[Holder, TimeSpan]]) -> tuple[list[Holder], list[Holder]]:
    """In one unit, a commander on dates of record displaces those there only by an open start
    or end, or undated (a unit has one commander at a time, whatever the post is called); among
    open-ended ones, the latest appointed stays (a successor's start ends an open tenure). The
    displaced are returned too, so nothing is hidden."""
    by_post: dict[int, list[tuple[Holder, TimeSpan]]] = defaultdict(list)
    for h, span in found:
        by_post[h.unit.id if h.unit else -h.post.id].append((h, span))
    kept: list[Holder] = []
    dropped: list[Holder] = []
    firm = {Basis.KNOWN, Basis.PARTIAL_BOUND, Basis.CONTINUOUS}
    for group in by_post.values():
        if any(h.basis in firm for h, _ in group):
            keep = [(h, sp) for h, sp in group if h.basis in firm]
        else:
            keep = _latest_open(group)
        kept.extend(h for h, _ in keep)
        dropped.extend(h for h, sp in group if all(h is not k for k, _ in keep))
    return kept, dropped


def _latest_open(group: list[tuple[Holder, TimeSpan]]) -> list[tuple[Holder, TimeSpan]]:
    def begin(sp: TimeSpan) -> str:
        d = sp.start or sp.first_cited
        return d.lo_key() if d else ""

    open_end = [(h, sp) for h, sp in group if h.basis is Basis.OPEN_END]
    if len(open_end) > 1:
        latest = max(begin(sp) for _, sp in open_end)
        others = [(h, sp) for h, sp in group if h.basis is not Basis.OPEN_END]
        return others + [(h, sp) for h, sp in open_end if begin(sp) == latest]
    return group


def _nearest(s: Session, unit_id: int, q: Moment) -> str:
    """For an empty answer: the tenures of the unit's command posts nearest before and after."""
    ft = F.alias("ft")
    rows = s.execute(
        select(
            PER.c.name, P.c.title, ft.c.start_date, ft.c.end_date, ft.c.first_cited, ft.c.last_cited
        )
        .select_from(
            P.join(T, T.c.post_id == P.c.id)
            .join(ft, ft.c.id == T.c.id)
            .join(PER, PER.c.id == T.c.person_id)
        )
        .where(P.c.unit_id == unit_id, P.c.head.is_(True), ft.c.merged_into.is_(None))
    ).all()
    if not rows:
        return " No tenure of a post commanding it is recorded."
    parts = []
    for r in rows:
        sp = span_of(r)
        parts.append(f"{r.name} ({r.title}) {_span_words(sp)}")
    return " On record: " + "; ".join(parts) + "."


def _span_words(sp: TimeSpan) -> str:
    lo = (
        f"from {sp.start}"
        if sp.start
        else (f"cited from {sp.first_cited}" if sp.first_cited else "start unknown")
    )
    hi = (
        f"to {sp.end}"
        if sp.end
        else (f"cited to {sp.last_cited}" if sp.last_cited else "end unknown")
    )
    return f"{lo} {hi}"


def _unit_names(s: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    return {
        int(i): str(n) for i, n in s.execute(select(U.c.id, U.c.name).where(U.c.id.in_(wanted)))
    }


# -- chain --------------------------------------------------------------------------------


def chain(
    s: Session,
    unit: str | int,
    on: str | PartialDate | Window,
    *,
    lines: Sequence[str] = DEFAULT_LINES,
    bases: frozenset[Basis] = ALL_BASES,
) -> ChainAnswer:
    """Every unit above `unit` at `on` along `lines`, with each link and each unit's commanders."""
    q = moment(on)
    fast = asked(q)
    con = chainsql.raw(s)
    root: str | None
    if s.get_bind().dialect.name == "postgresql":
        # An id is checked by the statement itself (its U row), saving a round trip.
        uid = unit if isinstance(unit, int) else resolve(s, "unit", unit)
        link_rows, holder_rows, cites, root = chainsql.pg_chain(con, uid, q, lines)
        if root is None:  # not a live unit: let `resolve` say why, or follow a merge
            uid = resolve(s, "unit", unit)
            link_rows, holder_rows, cites, root = chainsql.pg_chain(con, uid, q, lines)
        kept, depth, reached = _walk(uid, link_rows, fast, bases)
        covered = _covered((r for r in holder_rows if r.unit_id in depth), fast, bases)
    else:
        found = chainsql.sqlite_unit(con, unit) if isinstance(unit, int) else None
        if found is not None and found[1] is None:
            uid, root = int(unit), found[0]
        else:  # a name, or not a live unit's id: let `resolve` find it or say why
            uid = resolve(s, "unit", unit)
            root = (chainsql.sqlite_unit(con, uid) or (f"#{uid}", None))[0]
        link_rows = chainsql.sqlite_links(con, uid, q, lines)
        kept, depth, reached = _walk(uid, link_rows, fast, bases)
        covered = _covered(chainsql.sqlite_holders(con, sorted(depth), q), fast, bases)
        cites = chainsql.sqlite_cites(
            con,
            [lk.id for lk, _ in kept]
            + [r.tenure_id for r, _c, _s in covered]
            + [r.post_id for r, _c, _s in covered],
        )
    unit_ids = sorted(depth)
    names = {r.child_id: r.child_name for r, _ in kept} | {
        r.parent_id: r.parent_name for r, _ in kept
    }
    names |= {r.unit_id: r.unit_name for r, _c, _s in covered}
    if root:
        names[uid] = root

    ents: dict[int, Entity] = {}  # one per unit (immutable, so shared within the answer)

    def ent(i: int) -> Entity:
        e = ents.get(i)
        if e is None:
            e = ents[i] = Entity(i, "unit", names.get(i, f"#{i}"))
        return e

    by_unit: dict[int, list[tuple[Any, Coverage, TimeSpan]]] = defaultdict(list)
    for c in covered:
        by_unit[c[0].unit_id].append(c)

    links = tuple(
        Link(
            ent(r.child_id),
            ent(r.parent_id),
            r.line,
            cov.basis,
            cov.text,
            _cited(r, r.id, "unit_link", cites),
        )
        for r, cov in kept
    )
    nodes = tuple(
        ChainNode(
            ent(u),
            depth[u],
            tuple(sorted(reached[u])),
            _commanders(s, ent(u), fast, by_unit[u], cites),
        )
        for u in sorted(unit_ids, key=lambda u: (depth[u], names.get(u, "")))
    )
    has_parent = {r.child_id for r, _ in kept}
    tops = tuple(ent(u) for u in unit_ids if u not in has_parent)
    return ChainAnswer(ent(uid), str(q), nodes, links, tops)


def _walk(
    uid: int, rows: list[Any], q: Moment, bases: frozenset[Basis]
) -> tuple[list[tuple[Any, Coverage]], dict[int, int], dict[int, set[str]]]:
    """Breadth-first up the links that hold at the moment on an allowed basis."""
    by_child: dict[int, list[tuple[Any, Coverage]]] = defaultdict(list)
    for r in rows:
        cov = coverage(span_of(r), q)
        if cov is not None and cov.basis in bases:
            by_child[r.child_id].append((r, cov))
    depth = {uid: 0}
    reached: dict[int, set[str]] = {uid: set()}
    kept: list[tuple[Any, Coverage]] = []
    frontier = [uid]
    while frontier:
        nxt = []
        for u in frontier:
            for r, cov in by_child.get(u, []):
                kept.append((r, cov))
                if r.parent_id not in depth:
                    depth[r.parent_id] = depth[u] + 1
                    reached[r.parent_id] = set()
                    nxt.append(r.parent_id)
                reached[r.parent_id].add(r.line)
        frontier = nxt
    return kept, depth, reached


# -- deployed -------------------------------------------------------------------------------------


def deployed(
    s: Session,
    place: str | None,
    start: str | PartialDate,
    end: str | PartialDate | None = None,
    *,
    near: tuple[float, float] | None = None,
    radius_m: float = 1000.0,
    bases: frozenset[Basis] = ALL_BASES,
) -> DeployedAnswer:
    """Units deployed at a place (name contains `place`, accent- and case-insensitive) or within
    `radius_m` of `near` (lat, lon), at any time in the window `start`–`end`."""
    if place is None and near is None:
        raise CadenaError("Say where: a place name, or a point (lat, lon) and a radius.")
    first = PartialDate.parse(start)
    q = Window(first, PartialDate.parse(end) if end else first)
    D = m.Deployment.__table__
    stmt = (
        select(
            D.c.id,
            D.c.unit_id,
            D.c.place,
            D.c.operation,
            D.c.lat,
            D.c.lon,
            D.c.uncertainty_m,
            U.c.name.label("unit_name"),
            F.c.key,
            F.c.start_date,
            F.c.end_date,
            F.c.first_cited,
            F.c.last_cited,
            F.c.confidence,
            F.c.assumption,
        )
        .select_from(D.join(F, F.c.id == D.c.id).join(U, U.c.id == D.c.unit_id))
        .where(_may_hold(F, q))
        .order_by(D.c.id)
    )
    if place is not None:
        stmt = stmt.where(D.c.place_folded.contains(fold(place), autoescape=True))
    rows = []
    for r in s.execute(stmt):
        dist = None
        if near is not None:
            if r.lat is None or r.lon is None:
                continue
            dist = _metres(near, (r.lat, r.lon))
            if dist > radius_m + (r.uncertainty_m or 0.0):
                continue
        cov = coverage(span_of(r), q)
        if cov is not None and cov.basis in bases:
            rows.append((r, cov, dist))
    cites = citations_for(s, [r.id for r, _, _ in rows])
    hits = tuple(
        DeploymentHit(
            Entity(r.unit_id, "unit", r.unit_name),
            r.place,
            r.operation,
            r.lat,
            r.lon,
            dist,
            cov.basis,
            cov.text,
            _cited(r, r.id, "deployment", cites),
        )
        for r, cov, dist in rows
    )
    return DeployedAnswer(place, str(q), hits)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


# -- timeline ------------------------------------------------------------------------------------


def subject(s: Session, ref: str | int) -> Entity:
    """A person or a unit by id, key, name or alias; refused when it could be either."""
    hits = [(k, i) for k in ("person", "unit") for i in candidates(s, k, ref)]
    if not hits:
        raise CadenaError(f"No person or unit in this case is called {ref!r}.")
    if len(hits) > 1:
        listing = "; ".join(f"{k} #{i}" for k, i in hits)
        raise CadenaError(f"{ref!r} names several: {listing}. Give the id (#N) or the key.")
    kind, fid = hits[0]
    fact = s.get(m.Fact, fid)
    return Entity(fid, kind, getattr(fact, "name", f"#{fid}"))


def timeline(s: Session, ref: str | int) -> TimelineAnswer:
    """Everything on record about a person or a unit, in date order (undated facts last)."""
    subj = subject(s, ref)
    found = _person_facts(s, subj.id) if subj.kind == "person" else _unit_facts(s, subj.id)
    facts = {
        f.id: f
        for f in s.execute(select(m.Fact).where(m.Fact.id.in_([fid for fid, _ in found]))).scalars()
    }
    cites = citations_for(s, facts)
    entries = []
    for fid, role in found:
        f = facts[fid]
        if f.merged_into is not None:
            continue
        sp = span_of(f)
        first = sp.start or sp.first_cited or sp.end or sp.last_cited
        entries.append(
            TimelineEntry(
                str(first) if first else None,
                f.kind,
                role,
                describe(s, f),
                _cited(f, fid, f.kind, cites),
            )
        )
    entries.sort(
        key=lambda e: (
            e.date is None,
            PartialDate.parse(e.date).lo_key() if e.date else "",
            e.fact.fact_id,
        )
    )
    return TimelineAnswer(subj, tuple(entries))


def _ids(s: Session, stmt: Any, role: str) -> list[tuple[int, str]]:
    return [(int(i), role) for i in s.execute(stmt).scalars()]


def _person_facts(s: Session, pid: int) -> list[tuple[int, str]]:
    found = [(pid, "self")]
    found += _ids(s, select(m.Rank.id).where(m.Rank.person_id == pid), "rank")
    found += _ids(s, select(m.Tenure.id).where(m.Tenure.person_id == pid), "holder")
    found += _ids(s, select(m.Attribution.id).where(m.Attribution.person_id == pid), "attributed")
    found += _ids(s, select(m.Order.id).where(m.Order.issued_by_person_id == pid), "issuer")
    parties = s.execute(select(m.Party.fact_id, m.Party.role).where(m.Party.person_id == pid))
    found += [(int(i), r) for i, r in parties]
    return list(dict.fromkeys(found))


def _unit_facts(s: Session, uid: int) -> list[tuple[int, str]]:
    found = [(uid, "self")]
    found += _ids(s, select(m.UnitLink.id).where(m.UnitLink.child_id == uid), "child")
    found += _ids(s, select(m.UnitLink.id).where(m.UnitLink.parent_id == uid), "parent")
    posts = list(s.execute(select(m.Post.id).where(m.Post.unit_id == uid)).scalars())
    found += [(p, "post") for p in posts]
    if posts:
        found += _ids(s, select(m.Tenure.id).where(m.Tenure.post_id.in_(posts)), "post held")
    found += _ids(s, select(m.Deployment.id).where(m.Deployment.unit_id == uid), "deployed")
    found += _ids(s, select(m.Attribution.id).where(m.Attribution.unit_id == uid), "attributed")
    found += _ids(s, select(m.OrderUnit.order_id).where(m.OrderUnit.unit_id == uid), "ordered")
    parties = s.execute(select(m.Party.fact_id, m.Party.role).where(m.Party.unit_id == uid))
    found += [(int(i), r) for i, r in parties]
    return list(dict.fromkeys(found))


def describe(s: Session, f: m.Fact) -> str:
    """One line saying what a fact states, in the glossary's words."""

    def name(model: type[m.Fact], fid: int | None) -> str:
        if fid is None:
            return "?"
        obj = s.get(model, fid)
        return str(getattr(obj, "name", None) or getattr(obj, "title", None) or f"#{fid}")

    if isinstance(f, m.Unit):
        return f"unit {f.name} ({f.force})"
    if isinstance(f, m.Person):
        return f"person {f.name}"
    if isinstance(f, m.UnitLink):
        return f"{name(m.Unit, f.child_id)} under {name(m.Unit, f.parent_id)} ({f.line})"
    if isinstance(f, m.Rank):
        return f"{name(m.Person, f.person_id)} holds the rank {f.rank}"
    if isinstance(f, m.Post):
        where = f" of {name(m.Unit, f.unit_id)}" if f.unit_id else ""
        return f"post {f.title}{where} ({f.role})"
    if isinstance(f, m.Tenure):
        post = s.get(m.Post, f.post_id)
        where = f" of {name(m.Unit, post.unit_id)}" if post and post.unit_id else ""
        return f"{name(m.Person, f.person_id)} holds {post.title if post else '?'}{where}"
    if isinstance(f, m.Deployment):
        op = f" in {f.operation}" if f.operation else ""
        return f"{name(m.Unit, f.unit_id)} deployed at {f.place}{op}"
    if isinstance(f, m.Incident):
        return f"{f.incident_kind}: {f.title}"
    if isinstance(f, m.Attribution):
        who = ", ".join(
            x
            for x in (
                f.unit_id and name(m.Unit, f.unit_id),
                f.person_id and name(m.Person, f.person_id),
            )
            if x
        )
        return f"{name(m.Incident, f.incident_id)} attributed to {who}"
    if isinstance(f, m.Order):
        return f"{f.order_kind} {f.title}"
    if isinstance(f, m.Communication):
        return f"{f.communication_kind}: {f.summary or ''}".strip()
    if isinstance(f, m.Meeting):
        return f"meeting: {f.subject or ''}".strip()
    if isinstance(f, m.Statement):
        return f"{f.statement_kind} statement: {f.summary or ''}".strip()
    if isinstance(f, m.Measure):
        return f"{f.measure_kind}: {f.summary or ''}".strip()
    if isinstance(f, m.Victim):
        return f"victim {f.pseudonym} ({f.harm})"
    return f"{f.kind} #{f.id}"

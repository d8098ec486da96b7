"""The chain of command's hot path (facts/chainsql.py, the driver's own cursor) answers what a
plain reading of the facts through the ORM says, on a generated force with reassignments,
operational links, open and cited-only tenures, undated facts and several citations each."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.citations import Cite, Support
from cadena.facts.dedupe import merge
from cadena.facts.queries import ChainAnswer, chain
from cadena.facts.record import Recorder
from cadena.facts.time import (
    ALL_BASES,
    STRICT_BASES,
    Basis,
    PartialDate,
    TimeSpan,
    Window,
    coverage,
)
from cadena.vault.case import Case
from conftest import add_item

LOCATORS = (
    {"kind": "page", "page": 3},
    {"kind": "time_range", "start_s": 12.4, "end_s": 14.0},
    {"kind": "region", "x": 1, "y": 2, "w": 30, "h": 40},
    {"kind": "text", "text": "folio 12, reverse"},
)


def _span(rng: random.Random, year: int) -> TimeSpan | None:
    """A span of one of the shapes researchers record, around `year`."""
    shape = rng.randrange(6)
    if shape == 0:
        return None  # undated
    if shape == 1:
        return TimeSpan.of(start=f"{year}-03-01", end=f"{year + 2}-02-28")
    if shape == 2:
        return TimeSpan.of(start=f"{year}")  # open end, known only to the year
    if shape == 3:
        return TimeSpan.of(first_cited=f"{year}-05-10", last_cited=f"{year + 1}-07")
    if shape == 4:
        return TimeSpan.of(start=f"{year}-06", last_cited=f"{year + 1}-01-20")
    return TimeSpan.of(end=f"{year + 1}-12-31")


def _support(rng: random.Random, items: list[str]) -> Support:
    if rng.random() < 0.1:
        return Support.of("low", assumption="assumed from the organisation chart")
    cites = [
        Cite(rng.choice(items), dict(rng.choice(LOCATORS))) for _ in range(rng.randrange(1, 4))
    ]
    return Support.of(rng.choice(["high", "medium", "low"]), cites)


def build_force(case: Case, tmp: Path, seed: int = 3) -> list[int]:
    """Four levels of units with dated links, a joint command, posts and tenures; the unit ids."""
    rng = random.Random(seed)
    items = [add_item(case, tmp / f"doc{i}.pdf", f"%PDF-1.4 doc {i}\n".encode()) for i in range(3)]
    with case.session() as s:
        r = Recorder(case, s)
        levels: list[list[int]] = []
        for level, size in enumerate((1, 3, 6, 12)):
            levels.append(
                [
                    r.add_unit(f"Unit {level}-{k}", support=_support(rng, items)).id
                    for k in range(size)
                ]
            )
        joint = r.add_unit("Joint command", force="joint", support=_support(rng, items)).id
        r.link_units(joint, levels[0][0], support=_support(rng, items))
        for level in range(1, 4):
            for u in levels[level]:
                first = rng.choice(levels[level - 1])
                if rng.random() < 0.3:  # reassigned at the start of 2020
                    r.link_units(
                        u, first, support=_support(rng, items), span=TimeSpan.of(end="2019-12-31")
                    )
                    r.link_units(
                        u,
                        rng.choice(levels[level - 1]),
                        support=_support(rng, items),
                        span=TimeSpan.of(start="2020-01-01"),
                    )
                else:
                    r.link_units(u, first, support=_support(rng, items), span=_span(rng, 2016))
                if level == 3 and rng.random() < 0.5:
                    r.link_units(
                        u,
                        joint,
                        line="operational",
                        support=_support(rng, items),
                        span=_span(rng, 2019),
                    )
        people = [r.add_person(f"Person {n}", support=_support(rng, items)).id for n in range(25)]
        units = [u for lv in levels for u in lv] + [joint]
        for u in units:
            for title, role in (("Commander", "commander"), ("Deputy", "deputy")):
                post = r.add_post(title, unit=u, role=role, support=_support(rng, items)).id
                for year in (2015, 2018, 2021):
                    r.add_tenure(
                        rng.choice(people),
                        post,
                        support=_support(rng, items),
                        span=_span(rng, year),
                    )
    return units


# -- a plain reading of the facts, through the ORM ------------------------------------------


def _span_of(f: m.Fact) -> TimeSpan:
    return TimeSpan.of(f.start_date, f.end_date, f.first_cited, f.last_cited)


def _cites(s: Session, fact_id: int) -> tuple[tuple[str, Any], ...]:
    rows = s.execute(
        select(m.Citation).where(m.Citation.fact_id == fact_id).order_by(m.Citation.id)
    ).scalars()
    return tuple((c.item_sha256, json.dumps(c.locator, sort_keys=True)) for c in rows)


def expected(
    s: Session, uid: int, q: PartialDate | Window, lines: list[str], bases: frozenset[Basis]
) -> dict[str, Any]:
    """What the chain must say: links held on an allowed basis, walked up breadth-first, and
    every tenure of a command post of each unit reached that holds on an allowed basis."""
    held: dict[int, list[tuple[m.UnitLink, Basis, str]]] = {}
    for lk in s.execute(select(m.UnitLink)).scalars():
        cov = coverage(_span_of(lk), q)
        if lk.merged_into is None and lk.line in lines and cov and cov.basis in bases:
            held.setdefault(lk.child_id, []).append((lk, cov.basis, cov.text))
    depth, reached, links = {uid: 0}, {uid: set[str]()}, set()
    frontier = [uid]
    while frontier:
        nxt = []
        for u in frontier:
            for lk, basis, words in held.get(u, []):
                links.add((lk.child_id, lk.parent_id, lk.line, basis, words, _cites(s, lk.id)))
                if lk.parent_id not in depth:
                    depth[lk.parent_id], reached[lk.parent_id] = depth[u] + 1, set()
                    nxt.append(lk.parent_id)
                reached[lk.parent_id].add(lk.line)
        frontier = nxt
    holders: dict[int, set[Any]] = {u: set() for u in depth}
    for t in s.execute(select(m.Tenure)).scalars():
        post = s.get(m.Post, t.post_id)
        assert post is not None
        cov = coverage(_span_of(t), q)
        live = post.head and post.merged_into is None and t.merged_into is None
        if post.unit_id in depth and live and cov is not None and cov.basis in bases:
            holders[post.unit_id].add(
                (t.person_id, post.id, cov.basis, cov.text, _cites(s, t.id), _cites(s, post.id))
            )
    return {
        "nodes": {u: (depth[u], tuple(sorted(reached[u]))) for u in depth},
        "links": links,
        "holders": holders,
        "tops": {u for u in depth if not held.get(u)},
    }


def observed(ans: ChainAnswer) -> dict[str, Any]:
    def cites(c: Any) -> tuple[tuple[str, Any], ...]:
        return tuple((x.item, json.dumps(x.locator, sort_keys=True)) for x in c.citations)

    return {
        "nodes": {n.unit.id: (n.depth, n.lines) for n in ans.nodes},
        "links": {
            (lk.child.id, lk.parent.id, lk.line, lk.basis, lk.assumption, cites(lk.fact))
            for lk in ans.links
        },
        "holders": {
            n.unit.id: {
                (h.person.id, h.post.id, h.basis, h.assumption, cites(h.tenure), cites(h.post_fact))
                for h in n.commanders.holders + n.commanders.superseded
            }
            for n in ans.nodes
        },
        "tops": {t.id for t in ans.tops},
    }


def test_chain_answers_what_the_facts_say(case: Case, tmp_path: Path) -> None:
    units = build_force(case, tmp_path)
    rng = random.Random(5)
    links = holders = 0
    with case.session(write=False) as s:
        for _ in range(60):
            uid = rng.choice(units[10:] if rng.random() < 0.8 else units)  # mostly the lowest
            on: PartialDate | Window = PartialDate.parse(
                rng.choice(["2014", "2016-07", "2018-03-01", "2019-12-31", "2020-01-01", "2023-05"])
            )
            if rng.random() < 0.2:
                on = Window(PartialDate.parse("2019-06"), PartialDate.parse("2020-06"))
            lines = rng.choice([["administrative", "operational"], ["administrative"]])
            bases = rng.choice([ALL_BASES, STRICT_BASES])
            ans = chain(s, uid, on, lines=lines, bases=bases)
            assert observed(ans) == expected(s, uid, on, lines, bases), (uid, str(on), lines)
            links += len(ans.links)
            holders += sum(len(n.commanders.holders) for n in ans.nodes)
    assert links > 40 and holders > 80, (links, holders)  # the questions reached up the chain


def test_chain_by_name_by_merged_id_and_unknown_id(case: Case, tmp_path: Path) -> None:
    units = build_force(case, tmp_path, seed=8)
    leaf, other = units[-2], units[-3]
    with case.session(write=False) as s:
        by_id = chain(s, leaf, "2018-03-01")
        by_name = chain(s, by_id.unit.name, "2018-03-01")
        assert by_name == by_id
        with pytest.raises(CadenaError, match="No unit"):
            chain(s, 10**8, "2018-03-01")
    merge(case, "unit", leaf, other, reason="the same battalion")
    with case.session(write=False) as s:
        ans = chain(s, other, "2018-03-01")  # the merged id answers as the unit kept
        assert ans.unit.id == leaf and ans.nodes[0].unit.id == leaf


def test_chain_leaves_the_connection_as_it_found_it(case: Case, tmp_path: Path) -> None:
    units = build_force(case, tmp_path, seed=9)
    with case.session(write=False) as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        if postgres:
            before = s.execute(text("SHOW plan_cache_mode")).scalar_one()
        for u in units[:5]:
            chain(s, u, "2018-03-01")
        if postgres:  # the generic-plan setting was for the chain's statement only
            assert s.execute(text("SHOW plan_cache_mode")).scalar_one() == before == "auto"
        else:  # the memory map asked for stays (reads only get faster)
            assert s.execute(text("PRAGMA mmap_size")).scalar_one() > 0
        assert s.execute(select(m.Unit.name).where(m.Unit.id == units[0])).scalar_one()


def test_chain_through_a_cycle_of_links_ends(case: Case, tmp_path: Path) -> None:
    sha = add_item(case, tmp_path / "chart.pdf", b"%PDF-1.4 chart\n")
    doc = Support.of("high", [Cite(sha, {"kind": "page", "page": 1})])
    with case.session() as s:
        r = Recorder(case, s)
        a, b, c = (r.add_unit(n, support=doc).id for n in ("Alfa", "Bravo", "Charlie"))
        r.link_units(a, b, support=doc)
        r.link_units(b, c, support=doc)
        r.link_units(c, a, support=doc, line="operational")  # a mistake in the record
    with case.session(write=False) as s:
        ans = chain(s, a, "2020")
    assert {n.unit.name: n.depth for n in ans.nodes} == {"Alfa": 0, "Bravo": 1, "Charlie": 2}
    assert len(ans.links) == 3 and ans.tops == ()

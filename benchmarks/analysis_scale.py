"""How the analyses grow with the case: a generated force (a tree of units five levels deep, a
commander each, orders and incidents with reports, statements and measures), on SQLite.

Prints, for each size, the time of every analysis beside the anchor measured in the same run:
the facts library's own `queries.chain` for the attributed unit of each incident (what the chain
analysis builds on). Run: python benchmarks/analysis_scale.py [sizes...] (default 20 60 180
incidents).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from cadena.analysis.chain import analyze_chain
from cadena.analysis.elements import all_rows, matrix
from cadena.analysis.gaps import analyze_gaps
from cadena.analysis.notice import analyze_notice
from cadena.analysis.patterns import analyze_patterns
from cadena.facts import models as m
from cadena.facts.citations import Cite, Support
from cadena.facts.queries import chain as query_chain
from cadena.facts.record import PartyRef, Recorder
from cadena.facts.time import TimeSpan
from cadena.intake.files import SourceFields, add_paths
from cadena.vault.case import Case


def build(case: Case, tmp: Path, incidents: int) -> None:
    rng = random.Random(incidents)
    doc = tmp / "doc.txt"
    doc.write_text("generated\n")
    sha = add_paths(case, [doc], SourceFields(collected_by="bench")).outcomes[0].sha256
    assert sha
    sup = Support.of("high", [Cite(sha, {"kind": "page", "page": 1})])
    with case.session() as s:
        r = Recorder(case, s, log=False)
        top = r.add_unit("Presidencia", force="civil", support=sup)
        levels = [[top]]
        for depth in range(1, 5):  # 1, 4, 16, 64, then the squads below
            row = []
            for parent in levels[-1]:
                for k in range(4 if depth < 4 else max(2, incidents // 32)):
                    u = r.add_unit(f"U{depth}-{parent.id}-{k}", support=sup)
                    r.link_units(u, parent, support=sup)
                    row.append(u)
            levels.append(row)
        people = []
        for lvl in levels:
            for u in lvl:
                post = r.add_post("Comandante", unit=u, support=sup)
                p = r.add_person(f"P{u.id}", support=sup)
                r.add_tenure(p, post, support=sup, span=TimeSpan.of(start="2020-01-01"))
                people.append((u, p, post))
        squads = levels[-1]
        for i in range(incidents):
            u = rng.choice(squads)
            day = f"2024-{1 + i * 11 // incidents:02d}-{1 + i % 27:02d}"
            o = r.add_order(
                f"Plan {i}",
                kind="plan",
                to_units=[u],
                firearms_authorised=True,
                labels=["grupos hostiles"],
                support=sup,
                span=TimeSpan.of(start=day, end=day),
            )
            inc = r.add_incident(
                f"Incidente {i}", killed=1 + i % 3, support=sup, span=TimeSpan.of(start=day)
            )
            r.attribute(inc, unit=u, support=sup)
            parent = s.get(m.UnitLink, next(iter(_links(s, u.id))))
            r.add_communication(
                "casualty_report",
                incident=inc,
                support=sup,
                span=TimeSpan.of(start=day),
                parties=[PartyRef("to", unit=parent.parent_id)],
            )
            if i % 4 == 0:
                r.add_measure(
                    "disciplinary_archived",
                    incident=inc,
                    support=sup,
                    span=TimeSpan.of(start=day),
                    parties=[],
                )
            del o


def _links(s, unit_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    return list(s.execute(select(m.UnitLink.id).where(m.UnitLink.child_id == unit_id)).scalars())


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(incidents: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        case = Case.init(Path(tmp) / "case")
        build(case, Path(tmp), incidents)
        with case.session(write=False) as s:
            incs = list(s.query(m.Incident).all())
            atts = {a.incident_id: a.unit_id for a in s.query(m.Attribution).all()}
            facts = s.query(m.Fact).count()
            anchor = timed(lambda: [query_chain(s, atts[i.id], i.start_date) for i in incs])
            chain = timed(lambda: [analyze_chain(s, i.id) for i in incs])
            person = s.query(m.Person).order_by(m.Person.id).first()
            assert person
            notice = timed(lambda: analyze_notice(s, person.id))
            rows: list[object] = []
            elements = timed(lambda: rows.extend(all_rows(matrix(s))))
            patterns = timed(lambda: analyze_patterns(s))
            gaps = timed(lambda: analyze_gaps(s))
        case.close()
    n = len(incs)
    print(f"{n} incidents, {facts} facts, {len(rows)} element rows")
    lines = [
        ("anchor: queries.chain per incident", anchor / n, None),
        ("analyze chain, per incident", chain / n, chain / anchor),
        ("analyze notice, top superior", notice, notice / anchor),
        ("elements matrix, whole case", elements, elements / anchor),
        ("patterns, whole case", patterns, patterns / anchor),
        ("gaps, whole case", gaps, gaps / anchor),
    ]
    for label, secs, ratio in lines:
        vs = f"  ({ratio:6.1f}x all anchors)" if ratio and "per incident" not in label else ""
        vs = vs or (f"  ({ratio:6.1f}x anchor)" if ratio else "")
        print(f"  {label:38s} {secs * 1000:9.1f} ms{vs}")


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [20, 60, 180]:
        run(size)

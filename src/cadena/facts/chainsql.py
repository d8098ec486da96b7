"""The chain of command's hot path: its statements run on the driver's own cursor.

"Chain of command for a unit on a date" must answer in milliseconds over a national force
(100,000 units, a million tenures). Through SQLAlchemy, the statements cost more to prepare than to
run (an expanding `IN` list is re-rendered at every call, every row becomes a `Row`), so the rows
are fetched here with the DB-API cursor of the session's own connection, inside its transaction,
and come back as named tuples carrying the column names `queries` reads.

* SQLite walks up one level per statement (in-process, a statement costs microseconds; its planner
  cannot size a recursive CTE and would scan every link at each step), then fetches the command
  tenures of every unit reached, then their citations, each in one statement.
* PostgreSQL gets everything in one prepared statement (a round trip to a loaded server costs
  milliseconds; the plan is made once per connection).

The SQL filters only on what indexes can prune (known bounds, merges); the caller decides on
which basis each row holds (`cadena.facts.time.coverage`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from cadena.facts.citations import Cite

Moment = Any  # cadena.facts.time.PartialDate | Window (anything with lo()/hi())


class LinkRow(NamedTuple):
    """A parent link that may hold at the moment, with both units' names."""

    id: int
    child_id: int
    parent_id: int
    line: str
    key: str | None
    start_date: str | None
    end_date: str | None
    first_cited: str | None
    last_cited: str | None
    confidence: str
    assumption: str | None
    child_name: str
    parent_name: str


class HolderRow(NamedTuple):
    """A tenure of a post commanding a unit that may hold at the moment, with its post's fact."""

    tenure_id: int
    person_id: int
    post_id: int
    unit_id: int
    title: str
    role: str
    person_name: str
    unit_name: str
    key: str | None
    start_date: str | None
    end_date: str | None
    first_cited: str | None
    last_cited: str | None
    confidence: str
    assumption: str | None
    p_key: str | None
    p_start: str | None
    p_end: str | None
    p_first: str | None
    p_last: str | None
    p_conf: str
    p_assumption: str | None


Cites = dict[int, list[Cite]]
_FACT = (
    "{f}.key, {f}.start_date, {f}.end_date, {f}.first_cited, {f}.last_cited, "
    "{f}.confidence, {f}.assumption"
)


def keys(q: Moment) -> tuple[str, str]:
    """The first and last instant of the moment, as the sortable text `lo_key`/`hi_key` hold."""
    return q.lo().strftime("%Y-%m-%dT%H:%M:%S"), q.hi().strftime("%Y-%m-%dT%H:%M:%S")


# SQLite reads the pages it needs from the operating system's cache through a memory map instead
# of copying each one into its own 2 MB cache: the chain touches a few hundred pages spread over
# the file, and each read costs a system call otherwise. SQLite caps the size at its build's
# limit (2 GB in Debian's) and still writes with write(); the setting lasts as long as the
# pooled connection.
MMAP_BYTES = 1 << 34


def raw(s: Session) -> Any:
    """The DB-API connection under the session's current transaction (on SQLite, memory-mapped
    from its first use here on)."""
    pooled = s.connection().connection
    con: Any = pooled.dbapi_connection
    if "cadena.facts.chainsql" not in pooled.info and s.get_bind().dialect.name == "sqlite":
        con.execute(f"PRAGMA mmap_size={MMAP_BYTES}").fetchall()
        pooled.info["cadena.facts.chainsql"] = True
    return con


def _locator(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str | bytes) else value


# -- SQLite ------------------------------------------------------------------------------------

# CROSS JOIN fixes SQLite's join order: from the ids given, each step an index or rowid probe.
_MAY_HOLD_Q = """{f}.merged_into IS NULL AND ({f}.lo_key IS NULL OR {f}.lo_key <= ?1)
  AND ({f}.hi_key IS NULL OR {f}.hi_key >= ?2)"""


@lru_cache(maxsize=256)
def _level_sql(n_ids: int, n_lines: int) -> str:
    ids = ", ".join(f"?{3 + i}" for i in range(n_ids))
    lines = ", ".join(f"?{3 + n_ids + i}" for i in range(n_lines))
    return f"""SELECT l.id, l.child_id, l.parent_id, l.line, {_FACT.format(f="f")},
  cu.name, pu.name
FROM fact_unit_link l CROSS JOIN fact f CROSS JOIN fact_unit cu CROSS JOIN fact_unit pu
WHERE l.child_id IN ({ids}) AND l.line IN ({lines}) AND f.id = l.id
  AND {_MAY_HOLD_Q.format(f="f")} AND cu.id = l.child_id AND pu.id = l.parent_id"""


@lru_cache(maxsize=256)
def _holders_sql(n_units: int) -> str:
    ids = ", ".join(f"?{3 + i}" for i in range(n_units))
    return f"""SELECT t.id, t.person_id, p.id, p.unit_id, p.title, p.role, per.name, u.name,
  {_FACT.format(f="ft")}, {_FACT.format(f="fp")}
FROM fact_post p CROSS JOIN fact fp CROSS JOIN fact_tenure t CROSS JOIN fact ft
  CROSS JOIN fact_person per CROSS JOIN fact_unit u
WHERE p.unit_id IN ({ids}) AND p.head = 1 AND fp.id = p.id AND fp.merged_into IS NULL
  AND t.post_id = p.id AND ft.id = t.id AND {_MAY_HOLD_Q.format(f="ft")}
  AND per.id = t.person_id AND u.id = p.unit_id"""


@lru_cache(maxsize=256)
def _cites_sql(n_ids: int) -> str:
    ids = ", ".join("?" for _ in range(n_ids))
    return f"""SELECT fact_id, item_sha256, locator, quote, reference, id FROM fact_citation
WHERE fact_id IN ({ids})"""


def sqlite_links(con: Any, uid: int, q: Moment, lines: Sequence[str]) -> list[LinkRow]:
    """Every link up from `uid` that may hold at the moment, a level a statement, by link id."""
    lo, hi = keys(q)
    lines = list(lines)
    rows: list[LinkRow] = []
    seen, frontier = {uid}, [uid]
    while frontier:
        sql = _level_sql(len(frontier), len(lines))
        level = [LinkRow._make(r) for r in con.execute(sql, (hi, lo, *frontier, *lines))]
        rows.extend(level)
        frontier = sorted({r.parent_id for r in level} - seen)
        seen.update(frontier)
    rows.sort(key=lambda r: r.id)
    return rows


def sqlite_holders(con: Any, unit_ids: Sequence[int], q: Moment) -> list[HolderRow]:
    """Tenures of the posts commanding these units not ruled out at the moment, by tenure id."""
    if not unit_ids:
        return []
    lo, hi = keys(q)
    rows = [
        HolderRow._make(r) for r in con.execute(_holders_sql(len(unit_ids)), (hi, lo, *unit_ids))
    ]
    rows.sort(key=lambda r: r.tenure_id)
    return rows


def sqlite_cites(con: Any, ids: Sequence[int]) -> Cites:
    """Every citation of these facts, by fact id, in the order recorded."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = sorted(con.execute(_cites_sql(len(wanted)), wanted), key=lambda r: r[5])
    out: Cites = defaultdict(list)
    for fid, item, locator, quote, ref, _id in found:
        out[fid].append(Cite(item, _locator(locator), quote, ref))
    return out


def sqlite_unit(con: Any, uid: int) -> tuple[str, int | None] | None:
    """A unit's name and what it was merged into; None if no unit has that id."""
    row = con.execute(
        "SELECT u.name, f.merged_into FROM fact_unit u CROSS JOIN fact f "
        "WHERE u.id = ?1 AND f.id = u.id",
        (uid,),
    ).fetchone()
    return None if row is None else (row[0], row[1])


# -- PostgreSQL ------------------------------------------------------------------------------

_MAY_HOLD_PG = """{f}.merged_into IS NULL AND ({f}.lo_key IS NULL OR {f}.lo_key <= %(qhi)s)
  AND ({f}.hi_key IS NULL OR {f}.hi_key >= %(qlo)s)"""
# Tagged rows in one result: L a link (walked up with its fact's columns), H a command tenure with
# its post, C a citation of either, N a unit reached and its name, U the unit asked about (absent
# if no unit has that id). The citations' LATERAL is fenced (OFFSET 0) so it stays an index probe
# whatever the planner guesses of the recursive CTE's size (it guesses dozens of rows and would
# rather scan two million citations than probe for twenty); the other joins plan as index probes
# by themselves.
_N, _S = "NULL::integer", "NULL::text"
_COLS = "key, start_date, end_date, first_cited, last_cited, confidence, assumption"
_PG_CHAIN = f"""
WITH RECURSIVE up(unit_id, link_id, child_id, line, {_COLS}) AS (
  SELECT %(uid)s::integer, {_N}, {_N}, {_S}, {", ".join(["NULL::varchar"] * 7)}
  UNION
  SELECT l.parent_id, l.id, l.child_id, l.line, {_FACT.format(f="f")}
  FROM up JOIN fact_unit_link l ON l.child_id = up.unit_id JOIN fact f ON f.id = l.id
  WHERE l.line = ANY(%(lines)s::text[]) AND {_MAY_HOLD_PG.format(f="f")}
),
un AS (SELECT DISTINCT unit_id FROM up),
ho AS (
  SELECT t.id AS tenure_id, t.person_id, p.id AS post_id, p.unit_id, p.title, p.role,
    per.name AS person_name, {_FACT.format(f="ft")},
    fp.key AS p_key, fp.start_date AS p_start, fp.end_date AS p_end,
    fp.first_cited AS p_first, fp.last_cited AS p_last, fp.confidence AS p_conf,
    fp.assumption AS p_assumption
  FROM un
  JOIN fact_post p ON p.unit_id = un.unit_id AND p.head
  JOIN fact fp ON fp.id = p.id AND fp.merged_into IS NULL
  JOIN fact_tenure t ON t.post_id = p.id
  JOIN fact ft ON ft.id = t.id AND {_MAY_HOLD_PG.format(f="ft")}
  JOIN fact_person per ON per.id = t.person_id
),
cited(fact_id) AS (
  SELECT link_id FROM up WHERE link_id IS NOT NULL
  UNION SELECT tenure_id FROM ho UNION SELECT post_id FROM ho
)
SELECT 'L', link_id, child_id, unit_id, {_N}, line, {_S}, {_S}, {_COLS}, {", ".join([_S] * 7)}
FROM up WHERE link_id IS NOT NULL
UNION ALL
SELECT 'H', tenure_id, person_id, post_id, unit_id, title, role, person_name,
  {_COLS}, p_key, p_start, p_end, p_first, p_last, p_conf, p_assumption
FROM ho
UNION ALL
SELECT 'C', c.id, c.fact_id, {_N}, {_N}, c.item_sha256, c.locator::text, c.quote,
  c.reference, {", ".join([_S] * 13)}
FROM cited CROSS JOIN LATERAL (
  SELECT * FROM fact_citation x WHERE x.fact_id = cited.fact_id OFFSET 0) c
UNION ALL
SELECT 'N', u.id, {_N}, {_N}, {_N}, u.name, {", ".join([_S] * 16)}
FROM un JOIN fact_unit u ON u.id = un.unit_id
UNION ALL
SELECT 'U', f.id, f.merged_into, {_N}, {_N}, {_S}, {", ".join([_S] * 16)}
FROM fact_unit u JOIN fact f ON f.id = u.id WHERE u.id = %(uid)s
"""


def pg_chain(
    con: Any, uid: int, q: Moment, lines: Sequence[str]
) -> tuple[list[LinkRow], list[HolderRow], Cites, str | None]:
    """Links, command tenures and their citations up from `uid`, in one prepared statement; the
    unit's name last (None if `uid` is not a live unit)."""
    lo, hi = keys(q)
    links: list[tuple[Any, ...]] = []
    holders: list[tuple[Any, ...]] = []
    cites: list[tuple[int, int, Cite]] = []
    names: dict[int, str] = {}
    live = False
    params = {"uid": uid, "lines": list(lines), "qlo": lo, "qhi": hi}
    with con.cursor() as cur:
        # The plan made once is kept: left to choose, PostgreSQL re-plans this statement at every
        # call (its generic estimate is a little above the custom ones) and planning costs ten
        # times the run. The setting is for this statement only, sent with it in one round trip.
        with con.pipeline():
            con.execute("SET plan_cache_mode = force_generic_plan")
            cur.execute(_PG_CHAIN, params, prepare=True)
            con.execute("RESET plan_cache_mode")
        for r in cur.fetchall():
            tag = r[0]
            if tag == "L":
                links.append(r)
            elif tag == "H":
                holders.append(r)
            elif tag == "C":
                cites.append((r[1], r[2], Cite(r[5], _locator(r[6]), r[7], r[8])))
            elif tag == "N":
                names[r[1]] = r[5]
            else:
                live = r[2] is None
    link_rows = sorted(
        (LinkRow._make((*r[1:4], r[5], *r[8:15], names[r[2]], names[r[3]])) for r in links),
        key=lambda r: r.id,
    )
    holder_rows = sorted(
        (HolderRow._make((*r[1:8], names[r[4]], *r[8:22])) for r in holders),
        key=lambda r: r.tenure_id,
    )
    cites.sort(key=lambda c: c[0])
    by_fact: Cites = defaultdict(list)
    for _id, fid, cite in cites:
        by_fact[fid].append(cite)
    return link_rows, holder_rows, by_fact, names.get(uid) if live else None

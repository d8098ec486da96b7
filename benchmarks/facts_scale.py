"""Scale benchmark for the facts phase: a generated national police and army over ten years.

At --scale 1: 100,000 units, 300,000 persons, 1,000,000 tenures, 2,000,000 citations (plus
the units' posts, administrative links with reassignments, and operational links to joint
commands). Measures, on SQLite and on PostgreSQL:

* load time of the generated structure (bulk insert: executemany on SQLite, COPY on PostgreSQL),
  and the researchers' sheet importer's throughput on a slice of it;
* p50/p99 latency of "chain of command for a unit on a date" through the library API
  (`cadena.facts.queries.chain`), beside a plain recursive SQL query over the same tables run on
  the raw driver (the anchor). Target: library p99 <= 5 ms on both databases.

    python benchmarks/facts_scale.py                 # full scale, both databases
    python benchmarks/facts_scale.py --scale 0.01    # a quick run
    python benchmarks/facts_scale.py --db sqlite --queries 500

PostgreSQL comes from $CADENA_TEST_PG_URL or scripts/pg-start (a throwaway local server).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START = dt.date(2015, 1, 1)
DAYS = 3650
LEVELS = (1, 3, 30, 300, 3_000, 30_000)  # the rest of the units form the last level


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


class Force:
    """The generated structure, as row streams (ids assigned here, in one id space)."""

    def __init__(self, scale: float, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.n_units = max(200, int(100_000 * scale))
        self.n_persons = max(600, int(300_000 * scale))
        self.n_tenures = max(2_000, int(1_000_000 * scale))
        self.n_cites = max(4_000, int(2_000_000 * scale))
        self.n_items = max(100, int(20_000 * scale))
        self.next_id = 0
        self.unit_ids: list[int] = []
        self.level_of: dict[int, int] = {}
        self.joint: list[int] = []

    def fid(self) -> int:
        self.next_id += 1
        return self.next_id

    # Every generator yields (table, row) pairs; `fact` rows come before their subtype row.
    def units(self) -> Iterator[tuple[str, dict[str, Any]]]:
        sizes = list(LEVELS)
        sizes.append(max(0, self.n_units - sum(LEVELS)))
        total = 0
        for level, size in enumerate(sizes):
            size = min(size, self.n_units - total)
            for _ in range(size):
                i = self.fid()
                self.unit_ids.append(i)
                self.level_of[i] = level
                name = f"Unit {i} L{level}"
                yield "fact", _fact(i, "unit", f"U{i}")
                yield (
                    "fact_unit",
                    {
                        "id": i,
                        "name": name,
                        "force": "army" if i % 2 else "police",
                        "country": "XX",
                        "classification": f"level {level}",
                    },
                )
                yield (
                    "fact_name",
                    {"fact_id": i, "name": name, "folded": name.lower(), "is_alias": False},
                )
            total += size
        self.joint = self.rng.sample(self.unit_ids[4:], min(100, len(self.unit_ids) // 10))

    def links(self) -> Iterator[tuple[str, dict[str, Any]]]:
        by_level: dict[int, list[int]] = {}
        for u in self.unit_ids:
            by_level.setdefault(self.level_of[u], []).append(u)
        for u in self.unit_ids:
            level = self.level_of[u]
            if level == 0:
                continue
            parents = by_level[level - 1]
            first = parents[self.rng.randrange(len(parents))]
            if self.rng.random() < 0.1:  # reassigned on 2020-01-01
                second = parents[self.rng.randrange(len(parents))]
                yield from self._link(u, first, "administrative", 0, 1825 - 1)
                yield from self._link(u, second, "administrative", 1825, None)
            else:
                yield from self._link(u, first, "administrative", None, None)
            if level >= 5 and self.rng.random() < 0.05:
                s = self.rng.randrange(DAYS - 60)
                yield from self._link(u, self.rng.choice(self.joint), "operational", s, s + 60)

    def _link(
        self, child: int, parent: int, line: str, s: int | None, e: int | None
    ) -> Iterator[tuple[str, dict[str, Any]]]:
        i = self.fid()
        yield (
            "fact",
            _fact(
                i,
                "unit_link",
                None,
                day(s) if s is not None else None,
                day(e) if e is not None else None,
            ),
        )
        yield "fact_unit_link", {"id": i, "child_id": child, "parent_id": parent, "line": line}

    def persons(self) -> Iterator[tuple[str, dict[str, Any]]]:
        self.first_person = self.next_id + 1
        for n in range(self.n_persons):
            i = self.fid()
            name = f"Person {n} {uuid.UUID(int=self.rng.getrandbits(128)).hex[:6]}"
            yield "fact", _fact(i, "person", f"P{n}")
            yield "fact_person", {"id": i, "name": name, "description": None}
            yield (
                "fact_name",
                {"fact_id": i, "name": name, "folded": name.lower(), "is_alias": False},
            )

    def posts_and_tenures(self) -> Iterator[tuple[str, dict[str, Any]]]:
        per_post = max(1, self.n_tenures // len(self.unit_ids))
        length = DAYS // per_post
        made = 0
        for u in self.unit_ids:
            post = self.fid()
            yield "fact", _fact(post, "post", None)
            yield (
                "fact_post",
                {"id": post, "unit_id": u, "title": "Commander", "role": "commander", "head": True},
            )
            offset = self.rng.randrange(max(1, length // 2))
            for k in range(per_post):
                if made >= self.n_tenures:
                    break
                i = self.fid()
                s, e = offset + k * length, offset + (k + 1) * length - 1
                person = self.first_person + self.rng.randrange(self.n_persons)
                if self.rng.random() < 0.2:  # known only from citations
                    row = _fact(i, "tenure", None, None, None, day(s + 10), day(min(e, DAYS) - 10))
                elif k == per_post - 1:  # the last holder: no known end
                    row = _fact(i, "tenure", None, day(s), None)
                else:
                    row = _fact(i, "tenure", None, day(s), day(e))
                yield "fact", row
                yield "fact_tenure", {"id": i, "person_id": person, "post_id": post}
                made += 1

    def items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for n in range(self.n_items):
            sha = f"{n:064x}"
            yield (
                "item",
                {
                    "sha256": sha,
                    "size": 1000,
                    "media_type": "application/pdf",
                    "kind": "document",
                    "added_at": "2026-01-01T00:00:00.000000Z",
                    "added_by": "benchmark",
                },
            )

    def citations(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for n in range(self.n_cites):
            fact = 1 + self.rng.randrange(self.next_id)
            yield (
                "fact_citation",
                {
                    "fact_id": fact,
                    "item_sha256": f"{self.rng.randrange(self.n_items):064x}",
                    "locator": json.dumps({"kind": "page", "page": n % 300 + 1}),
                    "quote": None,
                    "reference": None,
                },
            )


def _fact(
    i: int,
    kind: str,
    key: str | None,
    start: str | None = None,
    end: str | None = None,
    first: str | None = None,
    last: str | None = None,
) -> dict[str, Any]:
    return {
        "id": i,
        "kind": kind,
        "key": key,
        "start_date": start,
        "end_date": end,
        "first_cited": first,
        "last_cited": last,
        "lo_key": f"{start}T00:00:00" if start else None,
        "hi_key": f"{end}T23:59:59" if end else None,
        "confidence": "high",
        "assumption": None,
        "note": None,
        "created_at": "2026-01-01T00:00:00.000000Z",
        "merged_into": None,
    }


# -- loading --------------------------------------------------------------------------------


def load(case: Any, force: Force) -> float:
    """Bulk-load the generated rows; seconds taken."""
    t0 = time.perf_counter()
    streams = [
        force.items(),
        force.units(),
        force.links(),
        force.persons(),
        force.posts_and_tenures(),
        force.citations(),
    ]
    with case.engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        postgres = case.engine.dialect.name == "postgresql"
        for stream in streams:
            buffers: dict[str, list[dict[str, Any]]] = {}
            for table, row in stream:
                buf = buffers.setdefault(table, [])
                buf.append(row)
                if len(buf) >= 20_000:
                    _flush(raw, postgres, buffers)
            _flush(raw, postgres, buffers)
        if postgres:
            for seq_table in ("fact", "fact_citation", "fact_name"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), "
                    f"(SELECT max(id) FROM {seq_table}))"
                )
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


ORDER = (
    "item",
    "fact",
    "fact_unit",
    "fact_unit_link",
    "fact_person",
    "fact_post",
    "fact_tenure",
    "fact_name",
    "fact_citation",
)


def _flush(raw: Any, postgres: bool, buffers: dict[str, list[dict[str, Any]]]) -> None:
    for table in ORDER:  # parents before children, for the foreign keys
        rows = buffers.get(table)
        if not rows:
            continue
        cols = list(rows[0])
        if postgres:
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy,
            ):
                for r in rows:
                    copy.write_row([r[c] for c in cols])
        else:
            marks = ", ".join("?" for _ in cols)
            raw.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                [[r[c] for c in cols] for r in rows],
            )
        rows.clear()


# -- the researchers' sheet importer on a slice ------------------------------------------------


def sheet_throughput(tmp: Path, n_units: int = 300) -> tuple[int, float]:
    """Rows per second of `import_sheet` on a small generated sheet (SQLite)."""
    from cadena.facts.sheet import import_sheet
    from cadena.vault.case import Case

    os.environ.pop("CADENA_DATABASE_URL", None)
    folder = tmp / "sheet"
    folder.mkdir()
    (folder / "doc.txt").write_text("generated source")
    common = ["start", "end", "sources", "confidence"]
    rows = {
        "sources": [["id", "file"], ["S1", "doc.txt"]],
        "units": [["id", "name", *common]],
        "unit_links": [["unit", "parent", *common]],
        "persons": [["id", "name", *common]],
        "tenures": [["person", "post", "unit", *common]],
    }
    for u in range(n_units):
        rows["units"].append([f"U{u}", f"Unidad {u}", "", "", "S1 p. 1", "high"])
        if u:
            rows["unit_links"].append([f"U{u}", f"U{(u - 1) // 3}", "2015-01-01", "", "S1", "high"])
        for k in range(3):
            rows["persons"].append([f"P{u}-{k}", f"Persona {u} {k}", "", "", "S1", "medium"])
            rows["tenures"].append(
                [
                    f"P{u}-{k}",
                    "Comandante",
                    f"U{u}",
                    f"01/01/{2015 + 3 * k}",
                    f"31/12/{2017 + 3 * k}",
                    "S1 p. 2",
                    "high",
                ]
            )
    for name, table in rows.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(table)
    case = Case.init(tmp / "sheet-case")
    t0 = time.perf_counter()
    report = import_sheet(case, folder)
    took = time.perf_counter() - t0
    case.close()
    return sum(report.counts.values()), took


# -- latency ---------------------------------------------------------------------------------------

ANCHOR_SQL = """
WITH RECURSIVE up(unit_id) AS (
  SELECT CAST({p} AS INTEGER)
  UNION
  SELECT l.parent_id FROM fact_unit_link l JOIN fact f ON f.id = l.id
  JOIN up ON l.child_id = up.unit_id
  WHERE f.merged_into IS NULL AND (f.lo_key IS NULL OR f.lo_key <= {p})
    AND (f.hi_key IS NULL OR f.hi_key >= {p})
)
SELECT up.unit_id, t.person_id, ft.id
FROM up JOIN fact_post p ON p.unit_id = up.unit_id AND p.head
JOIN fact_tenure t ON t.post_id = p.id JOIN fact ft ON ft.id = t.id
WHERE (ft.lo_key IS NULL OR ft.lo_key <= {p}) AND (ft.hi_key IS NULL OR ft.hi_key >= {p})
"""


def latencies(case: Any, force: Force, n: int, n_anchor: int) -> dict[str, Any]:
    """Library and anchor interleaved, so the machine's load falls on both alike, each on its own
    asks drawn alike (on the same ask, whichever ran second would find the pages warm)."""
    from cadena.facts.queries import chain

    rng = random.Random(11)
    bottom = max(force.level_of.values())
    deepest = [u for u in force.unit_ids if force.level_of[u] == bottom]
    asks = [(rng.choice(deepest), day(rng.randrange(DAYS))) for _ in range(n)]
    others = [(rng.choice(deepest), day(rng.randrange(DAYS))) for _ in range(n_anchor)]
    warm = [(rng.choice(deepest), day(rng.randrange(DAYS))) for _ in range(50)]
    lib, cpu, anchor, floor, depth = [], [], [], [], []
    postgres = case.engine.dialect.name == "postgresql"
    sql = ANCHOR_SQL.format(p="%s" if postgres else "?")
    load = os.getloadavg()
    with case.session(write=False) as s, case.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for u, d in warm:  # statements prepared, caches filled (asks of their own)
            chain(s, u, d)
        for i, (u, d) in enumerate(asks):
            t0, c0 = time.perf_counter(), time.thread_time()
            ans = chain(s, u, d)
            lib.append(time.perf_counter() - t0)
            cpu.append(time.thread_time() - c0)
            depth.append(max(node.depth for node in ans.nodes))
            if i < n_anchor:  # the plain query can take a second on SQLite at scale
                au, ad = others[i]
                lo, hi = f"{ad}T00:00:00", f"{ad}T23:59:59"
                t0 = time.perf_counter()
                cur = raw.cursor()
                cur.execute(sql, (au, hi, lo, hi, lo))
                cur.fetchall()
                cur.close()
                anchor.append(time.perf_counter() - t0)
            if postgres:  # the machine's floor: one round trip that does nothing
                t0 = time.perf_counter()
                cur = raw.cursor()
                cur.execute("SELECT 1", prepare=True)
                cur.fetchall()
                cur.close()
                floor.append(time.perf_counter() - t0)
    return {
        "library": _pcts(lib),
        "library_cpu": _pcts(cpu),
        "anchor": _pcts(anchor),
        "anchor_n": len(anchor),
        "floor": _pcts(floor) if floor else None,
        "mean_depth": statistics.mean(depth),
        "load": (load, os.getloadavg()),
    }


def _pcts(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)
    return {"p50_ms": 1000 * xs[len(xs) // 2], "p99_ms": 1000 * xs[max(0, int(len(xs) * 0.99) - 1)]}


# -- running ------------------------------------------------------------------------------------


def pg_url() -> str:
    url = os.environ.get("CADENA_TEST_PG_URL")
    if url:
        return url
    done = subprocess.run(
        [str(ROOT / "scripts" / "pg-start")], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def run_one(
    db: str,
    scale: float,
    queries: int,
    n_anchor: int,
    tmp: Path,
    reuse: Path | None = None,
) -> dict[str, Any]:
    """Generate (or, with `reuse`, open the one generated before) and measure one database."""
    from cadena.vault.case import Case

    force = Force(scale)
    folder = (reuse or tmp) / f"case-{db}-s{scale:g}"
    marker = folder / "generated.json"
    if reuse is not None and marker.exists():
        for _ in force.units():  # the unit ids and levels, without writing anything
            pass
        made = json.loads(marker.read_text())
        case = Case.open(folder)  # applies any migration added since it was generated
        print(f"[{db}] reusing {folder} (generated in {made['load_s']:.1f} s)", flush=True)
        try:
            return {
                "db": db,
                **made,
                "reused": True,
                **latencies(case, force, queries, n_anchor),
            }
        finally:
            case.close()
    name = None
    if db == "postgresql":
        import psycopg

        admin = pg_url()
        name = f"cadena_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as con:
            if reuse is not None:  # one database per reuse folder and scale, remade if half-made
                name = f"cadena_bench_reuse_s{scale:g}".replace(".", "_")
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            con.execute(f'CREATE DATABASE "{name}"')
        os.environ["CADENA_DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("CADENA_DATABASE_URL", None)
    if folder.exists():  # a generation cut short: start again
        import shutil

        shutil.rmtree(folder)
    case = Case.init(folder)
    keep = False
    try:
        took = load(case, force)
        rows = {
            "units": len(force.unit_ids),
            "persons": force.n_persons,
            "tenures": force.n_tenures,
            "citations": force.n_cites,
        }
        print(f"[{db}] loaded {rows} in {took:.1f} s", flush=True)
        if reuse is not None:
            marker.write_text(json.dumps({"load_s": took, "rows": rows, "scale": scale}))
            keep = True
        result = {
            "db": db,
            "load_s": took,
            "rows": rows,
            **latencies(case, force, queries, n_anchor),
        }
    finally:
        case.close()
        os.environ.pop("CADENA_DATABASE_URL", None)
        if name and not keep:
            with psycopg.connect(admin, autocommit=True) as con:
                con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return result


def report(db: str, args: argparse.Namespace, r: dict[str, Any]) -> None:
    print(f"\n[{db}] scale {args.scale}: {r['rows']}")
    again = " (when generated; reused now)" if r.get("reused") else ""
    print(f"  bulk load: {r['load_s']:.1f} s{again}")
    (before, after) = r["load"]
    print(
        f"  chain of command on a date ({args.queries} queries, mean depth "
        f"{r['mean_depth']:.1f}; load average {before[0]:.2f} before, {after[0]:.2f} after):"
    )
    lib, cpu, anc = r["library"], r["library_cpu"], r["anchor"]
    print(
        f"    library API   p50 {lib['p50_ms']:.2f} ms   p99 {lib['p99_ms']:.2f} ms"
        f"   (target p99 <= 5 ms: {'met' if lib['p99_ms'] <= 5 else 'NOT met'})"
    )
    where = "all of it" if db == "sqlite" else "the client's part; the server's is apart"
    print(f"      its CPU time p50 {cpu['p50_ms']:.2f} ms   p99 {cpu['p99_ms']:.2f} ms   ({where})")
    print(
        f"    plain SQL     p50 {anc['p50_ms']:.2f} ms   p99 {anc['p99_ms']:.2f} ms"
        f"   (anchor, {r['anchor_n']} asks of its own, interleaved)"
    )
    if r["floor"]:
        fl = r["floor"]
        print(
            f"    SELECT 1      p50 {fl['p50_ms']:.2f} ms   p99 {fl['p99_ms']:.2f} ms"
            "   (a round trip doing nothing, interleaved: this machine's floor)"
        )
    print(
        f"    library/anchor: p50 x{lib['p50_ms'] / anc['p50_ms']:.2f}, "
        f"p99 x{lib['p99_ms'] / anc['p99_ms']:.2f}"
    )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1 = national scale")
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument(
        "--anchor-queries",
        type=int,
        help="how many of the queries the plain SQL anchor also runs (default: all on "
        "PostgreSQL, 50 on SQLite, where it takes most of a second each at full scale)",
    )
    ap.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="keep the generated databases in DIR (outside the repo, e.g. /work/tmp/facts-bench) "
        "and reuse them on later runs at the same scale: only the queries are measured again",
    )
    ap.add_argument("--no-sheet", action="store_true", help="skip the sheet importer's throughput")
    args = ap.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    if args.reuse is not None:
        args.reuse.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cadena-facts-bench-") as tmp:
        if not args.no_sheet:
            n, took = sheet_throughput(Path(tmp))
            print(
                f"sheet importer (SQLite, one transaction, all checks): {n} rows in {took:.1f} s "
                f"= {n / took:.0f} rows/s"
            )
        for db in dbs:
            n_anchor = args.anchor_queries
            if n_anchor is None:
                n_anchor = 50 if db == "sqlite" else args.queries
            r = run_one(db, args.scale, args.queries, n_anchor, Path(tmp), args.reuse)
            report(db, args, r)
    return 0


if __name__ == "__main__":
    sys.exit(main())

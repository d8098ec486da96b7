"""Import speed of `cadena import sfm` on a large generated Security Force Monitor dataset.

Writes an SFM-format folder (units.csv, persons.csv, incidents.csv, sources.csv; the column
names of SFM's own importer fixtures, see src/cadena/facts/sfm.py) of about --rows data rows,
then on SQLite and on PostgreSQL measures, in the same run:

* cadena: `import_sfm` into a fresh case (validation of every row, name resolution, the files
  preserved as items, every fact citing its sheet and row, one transaction, all or nothing);
* the anchor: parse the same CSV files with the csv module and insert the same rows, column for
  column, as text into one plain table per file with executemany (one transaction).

    python benchmarks/facts_import.py                   # 100,000 rows, both databases
    python benchmarks/facts_import.py --rows 20000 --db sqlite
    python benchmarks/facts_import.py --keep /tmp/sfm   # also keep the generated folder
    python benchmarks/facts_import.py --rows 100000 --formats sheet,popolo,ftm

PostgreSQL comes from $CADENA_TEST_PG_URL or scripts/pg-start (a throwaway local server).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
START = dt.date(2005, 1, 1)

SOURCES = ["source:access_point_id:admin", "source:type", "source:title", "source:author",
           "source:url", "source:published_timestamp", "source:publication_name"]  # fmt: skip
UNITS = [
    "unit:status:admin", "unit:id:admin", "unit:name", "unit:name:source", "unit:name:confidence",
    "unit:other_names", "unit:classification", "unit:country",
    "unit:first_cited_date", "unit:first_cited_date_start", "unit:last_cited_date",
    "unit:last_cited_date_open", "unit:relation_type", "unit:related_unit_id:admin",
    "unit:related_unit", "unit:related_unit:source", "unit:related_unit:confidence",
    "unit:related_unit_class", "unit:related_unit_first_cited_date_year",
    "unit:related_unit_first_cited_date_month", "unit:related_unit_first_cited_date_day",
    "unit:related_unit_first_cited_date_start", "unit:related_unit_last_cited_date",
    "unit:related_unit_open",
]  # fmt: skip
PERSONS = [
    "person:status:admin", "person:id:admin", "person:name", "person:name:source",
    "person:name:confidence", "person:other_names", "person:posting_unit_id:admin",
    "person:posting_unit_name", "person:posting_unit:source", "person:posting_unit:confidence",
    "person:posting_role", "person:posting_title", "person:posting_rank",
    "person:posting_rank:source", "person:posting_rank:confidence",
    "person:posting_first_cited_date", "person:posting_first_cited_date_start",
    "person:posting_last_cited_date", "person:posting_last_cited_date_end",
]  # fmt: skip
INCIDENTS = [
    "incident:status:admin", "incident:id:admin", "incident:start_date", "incident:end_date",
    "incident:location_description", "incident:location", "incident:violation_type",
    "incident:violation_description", "incident:perpetrator_unit_id:admin",
    "incident:perpetrator_unit_name", "incident:perpetrator_person_id:admin",
    "incident:perpetrator_person_name", "incident:all:source",
]  # fmt: skip


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def generate(folder: Path, rows: int, seed: int = 5) -> dict[str, int]:
    """An SFM dataset of about `rows` data rows: 5% sources, 20% units (a tree, some with a
    second, operational parent), 60% persons' postings, 15% incidents."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_src, n_units = max(20, rows // 20), max(20, rows // 6)
    n_persons, n_inc = max(20, rows * 6 // 10), max(5, rows * 15 // 100)
    src = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n_src)]
    unit_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(n_units)]
    names = [f"{i} {rng.choice(['Battalion', 'Brigade', 'Company', 'Division'])}"
             for i in range(n_units)]  # fmt: skip
    counts = {}

    def sources() -> str:
        return ";".join(rng.sample(src, rng.choice((1, 1, 2))))

    def conf() -> str:
        return rng.choice(("High", "Medium", "Low"))

    with (folder / "sources.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(SOURCES)
        for i, sid in enumerate(src):
            w.writerow([sid, "document", f"Report {i}", "Monitor", f"https://example.org/{i}",
                        day(rng.randrange(6000)).isoformat(), "The Daily"])  # fmt: skip
        counts["sources"] = len(src)
    with (folder / "units.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(UNITS)
        n = 0
        for i, uid in enumerate(unit_ids):
            parents = [rng.randrange(i)] if i else [None]
            if i > 10 and rng.random() < 0.2:
                parents.append(rng.randrange(i))  # a second, operational parent
            first = rng.randrange(4000)
            for k, p in enumerate(parents):
                start = day(first + rng.randrange(300))
                row = ["3", uid, names[i], sources(), conf(), f"Unit {i}", "Army", "xx",
                       day(first).isoformat(), rng.choice("YN"),
                       day(first + 2000).isoformat(), rng.choice("YN"), "child"]  # fmt: skip
                if p is None:
                    row += [""] * 11
                else:
                    row += [unit_ids[p], names[p], sources(), conf(),
                            "Administrative" if k == 0 else "Command",
                            start.year, start.month, start.day, rng.choice("YN"),
                            day(first + 1500 + rng.randrange(600)).isoformat(),
                            rng.choice("YNE")]  # fmt: skip
                w.writerow(row)
                n += 1
        counts["units"] = n
    with (folder / "persons.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(PERSONS)
        for i in range(n_persons):
            u = rng.randrange(n_units)
            first = rng.randrange(5000)
            role = rng.choice(("Commander", "Deputy Commander", "Chief of Operations"))
            w.writerow(["3", f"p-{i}", f"Person {i} {rng.choice(['Okafor', 'Bello', 'Ade'])}",
                        sources(), conf(), f"P. {i}", unit_ids[u], names[u], sources(), conf(),
                        role, role, rng.choice(("Major", "Colonel", "Captain")), sources(),
                        conf(), day(first).isoformat(), rng.choice("YN"),
                        day(first + rng.randrange(900)).isoformat(), rng.choice("YN")])  # fmt: skip
        counts["persons"] = n_persons
    with (folder / "incidents.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(INCIDENTS)
        for i in range(n_inc):
            u, p = rng.randrange(n_units), rng.randrange(n_persons)
            d = day(rng.randrange(6000))
            w.writerow(["3", f"i-{i}", f"{d.month}/{d.day}/{d.year}", f"{d.month}/{d.day}/{d.year}",
                        f"Market {i}", f"Town {i % 300} (osm, point) {i}",
                        rng.choice(("Extrajudicial killing", "Torture ; illegal detention")),
                        "Soldiers fired on traders", unit_ids[u], names[u],
                        f"p-{p}" if rng.random() < 0.3 else "", "", sources()])  # fmt: skip
        counts["incidents"] = n_inc
    return counts


# -- the anchor ----------------------------------------------------------------------------------


def anchor(folder: Path, postgres_url: str | None) -> tuple[float, float]:
    """Parse each CSV with the csv module and executemany its rows, as text, into a plain table;
    (wall seconds, this process's CPU seconds)."""
    t0, c0 = time.perf_counter(), time.process_time()
    tables = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        tables.append((path.stem, rows[0], rows[1:]))
    if postgres_url:
        import psycopg

        with psycopg.connect(postgres_url) as con, con.cursor() as cur:
            for name, header, rows in tables:
                cols = ", ".join(f"c{i} text" for i in range(len(header)))
                cur.execute(f"CREATE TABLE anchor_{name} (id serial primary key, {cols})")
                marks = ", ".join("%s" for _ in header)
                names = ", ".join(f"c{i}" for i in range(len(header)))
                cur.executemany(f"INSERT INTO anchor_{name} ({names}) VALUES ({marks})", rows)
            con.commit()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            con = sqlite3.connect(Path(tmp) / "anchor.db")
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")  # as the case's database runs
            with con:
                for name, header, rows in tables:
                    cols = ", ".join(f"c{i} text" for i in range(len(header)))
                    con.execute(f"CREATE TABLE anchor_{name} (id integer primary key, {cols})")
                    marks = ", ".join("?" for _ in header)
                    names = ", ".join(f"c{i}" for i in range(len(header)))
                    con.executemany(f"INSERT INTO anchor_{name} ({names}) VALUES ({marks})", rows)
            con.close()
    return time.perf_counter() - t0, time.process_time() - c0


# -- cadena ----------------------------------------------------------------------------------------


def run_cadena(
    folder: Path, tmp: Path, postgres_url: str | None
) -> tuple[float, float, dict[str, Any]]:
    from cadena.facts.sfm import import_sfm
    from cadena.vault.case import Case

    if postgres_url:
        os.environ["CADENA_DATABASE_URL"] = postgres_url
    else:
        os.environ.pop("CADENA_DATABASE_URL", None)
    case = Case.init(tmp / f"case-{uuid.uuid4().hex[:8]}")
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_sfm(case, folder)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    finally:
        case.close()
        os.environ.pop("CADENA_DATABASE_URL", None)
    return seconds, cpu, report.counts


def other_formats(
    folder: Path, tmp: Path, formats: list[str]
) -> list[tuple[str, int, float, float]]:
    """The other importers on the same facts (SQLite): the SFM dataset imported, exported as a
    researchers' sheet, Popolo and FtM, and each export imported into a fresh case holding the
    same items; (format, rows or records, wall s, CPU s) of each import."""
    from sqlalchemy import select

    from cadena.facts.ftm import export_ftm, import_ftm
    from cadena.facts.popolo import export_popolo, import_popolo
    from cadena.facts.sfm import import_sfm
    from cadena.facts.sheet import export_sheet, import_sheet
    from cadena.intake.files import SourceFields, add_paths
    from cadena.vault.case import Case
    from cadena.vault.models import Item

    os.environ.pop("CADENA_DATABASE_URL", None)
    first = Case.init(tmp / "formats-from")
    import_sfm(first, folder)
    with first.session(write=False) as s:
        shas = list(s.execute(select(Item.sha256)).scalars())
    out = []
    for fmt in formats:
        if fmt == "sheet":
            files = export_sheet(first, tmp / "sheet")
            target: Path = tmp / "sheet"
            rows = sum(sum(1 for _ in f.open(encoding="utf-8")) - 1 for f in files)
            run: Any = import_sheet
        elif fmt == "popolo":
            target = tmp / "facts.popolo.json"
            rows = sum(export_popolo(first, target).values())
            run = import_popolo
        else:
            target = tmp / "facts.ftm.json"
            rows = export_ftm(first, target)
            run = import_ftm
        second = Case.init(tmp / f"formats-to-{fmt}")
        for sha in shas:
            copy = tmp / f"item-{sha[:12]}"
            copy.write_bytes(Path(first.blobs.local_path(sha)).read_bytes())
            add_paths(second, [copy], SourceFields())
        t0, c0 = time.perf_counter(), time.process_time()
        run(second, target)
        out.append((fmt, rows, time.perf_counter() - t0, time.process_time() - c0))
        second.close()
    first.close()
    return out


def pg_database() -> tuple[str, str]:
    admin = os.environ.get("CADENA_TEST_PG_URL")
    if not admin:
        done = subprocess.run([str(ROOT / "scripts" / "pg-start")], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"could not start PostgreSQL: {done.stderr}")
        admin = done.stdout.strip()
    return admin, f"cadena_bench_{uuid.uuid4().hex[:10]}"


def with_pg(fn: Any) -> Any:
    import psycopg

    admin, name = pg_database()
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        return fn(admin.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--keep", type=Path, help="write the generated dataset here and keep it")
    ap.add_argument(
        "--formats",
        default="",
        help="also these importers on the same facts, SQLite, comma-separated: sheet,popolo,ftm",
    )
    args = ap.parse_args(argv)
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        folder = args.keep or tmp / "sfm"
        counts = generate(folder, args.rows)
        total = sum(counts.values())
        size = sum(p.stat().st_size for p in folder.glob("*.csv")) / 1e6
        print(f"dataset: {total:,} rows ({counts}), {size:.1f} MB")
        dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        print("wall: seconds and rows/s; cpu: this process's CPU seconds and rows per CPU second")
        head = ("db", "", "cadena s", "rows/s", "anchor s", "rows/s", "ratio")
        print("{:<11} {:<4} {:>9} {:>8} {:>9} {:>9} {:>6}".format(*head))
        for db in dbs:
            if db == "sqlite":
                a, a_cpu = anchor(folder, None)
                c, c_cpu, got = run_cadena(folder, tmp, None)
            else:
                a, a_cpu = with_pg(lambda url: anchor(folder, url))
                c, c_cpu, got = with_pg(lambda url: run_cadena(folder, tmp, url))
            for what, x, y in (("wall", c, a), ("cpu", c_cpu, a_cpu)):
                print(
                    f"{db:<11} {what:<4} {x:9.2f} {total / x:8,.0f} {y:9.2f} {total / y:9,.0f}"
                    f" {x / y:6.1f}",
                    flush=True,
                )
            print(f"{'':<11} facts imported: {got}")
        formats = [f for f in args.formats.split(",") if f]
        for fmt, rows, took, cpu in other_formats(folder, tmp, formats) if formats else []:
            print(
                f"{fmt} (SQLite, the same facts exported and imported): {rows:,} rows/records, "
                f"{took:.2f} s wall = {rows / took:,.0f}/s, {cpu:.2f} s CPU = "
                f"{rows / cpu:,.0f} per CPU s",
                flush=True,
            )
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

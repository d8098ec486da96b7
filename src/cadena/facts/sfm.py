"""Security Force Monitor's format in: a folder of its CSV sheets (`units.csv`, `persons.csv`,
`incidents.csv`, `sources.csv`) or an XLSX workbook with those sheets.

Columns are `entity:field` (`unit:name`, `unit:related_unit`, `person:posting_unit_name`...),
each sourced field followed by `…:source` (`;`-separated source ids) and `…:confidence`
(Low/Medium/High); dates may be split into `_year`/`_month`/`_day`; the flags `…_start`,
`…_end` (Y/N) and `…_open` (Y: assumed to continue, N: not assumed, E: the exact end) say
whether a cited date is a real start or end. The imported files are preserved as items and every
fact cites its sheet and row in them (`sheet_row` locator, with the column), one citation per
source id of the dataset, keeping the id (and the source's title, author, publication and URL
from the sources sheet) as the citation's `reference`. All or nothing, like the researchers'
sheet. Rows whose `…:status:admin` is there and is not 3 (SFM's "ready to publish") are skipped
and counted in the report's warnings; other `…:admin` columns (owner, comments, notes) are SFM's
internal notes and are not imported.

The column names are SFM's own, as its importer reads them and its research handbook documents
them: datamade/sfm-cms `sfm_pc/management/commands/import_google_doc.py` and the importer's test
fixtures `tests/fixtures/importer/{units,persons,incidents,sources}.csv` (commit 71fab018), and
security-force-monitor/research-handbook `source/units_relations.rst` (`unit:related_unit_open`:
Y, N, E), `source/persons_postings.rst`, `source/incidents_attributes.rst`. Older spellings that
earlier exports used (`source:id:admin`, `incident:perpetrator_unit`,
`incident:perpetrator_name`, `person:posting_unit_name:source`) are read too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.book import Table, header_key, read_tables
from cadena.facts.bulk import BulkRecorder, quiet_gc
from cadena.facts.citations import Cite, Support, UnsupportedFact, confidence_of
from cadena.facts.names import fold, split_list
from cadena.facts.preserve import preserve
from cadena.facts.record import Recorder
from cadena.facts.sheet import ImportRefused, ImportReport, Problem, Progress, RowError, Ticker
from cadena.facts.time import PartialDate, TimeSpan, parse_loose
from cadena.vault.case import Case

_LINES = {
    "administrative": "administrative",
    "command": "operational",
    "operational": "operational",
    "informal": "informal",
}
_FORCES = (
    ("police", "police"),
    ("gendarm", "police"),
    ("army", "army"),
    ("military", "army"),
    ("navy", "navy"),
    ("naval", "navy"),
    ("air force", "air_force"),
    ("joint", "joint"),
    ("ministry", "civil"),
)
_HARMS = (
    ("kill", "killing"),
    ("death", "killing"),
    ("murder", "killing"),
    ("injur", "injury"),
    ("wound", "injury"),
    ("detention", "arbitrary_detention"),
    ("arrest", "arbitrary_detention"),
    ("torture", "ill_treatment"),
    ("ill-treat", "ill_treatment"),
    ("ill treat", "ill_treatment"),
)


# Flags, roles and classes repeat on every row: folded once each (an import folds a lot).
_short_fold = functools.lru_cache(maxsize=4096)(fold)


def _yes(value: object) -> bool:
    return _short_fold(str(value or "")) in ("y", "yes", "true", "1", "si")


def _exact_end(value: object) -> bool:
    """`…_open` is E when the last cited date is the exact end (Y: continues; N: unknown)."""
    return _short_fold(str(value or "")) in ("e", "exact", "ended")


_KEYS: dict[str, str] = {}  # column name as written here -> as read (folded)


@dataclass
class SfmRows:
    case: Case
    rec: Recorder
    sources: dict[str, str] = field(default_factory=dict)  # SFM source id -> "title <url>"
    units: dict[str, int] = field(default_factory=dict)  # SFM unit id -> fact id
    unit_names: dict[str, list[int]] = field(default_factory=dict)  # folded name -> fact ids
    persons: dict[str, int] = field(default_factory=dict)
    posts: dict[tuple[int, str], int] = field(default_factory=dict)
    item: str = ""
    table: Table | None = None
    row_no: int = 0
    _refs: dict[str, str] = field(default_factory=dict)
    _dates: dict[str, PartialDate] = field(default_factory=dict)

    # -- cells ---------------------------------------------------------------------------------
    def text(self, row: dict[str, Any], col: str) -> str | None:
        key = _KEYS.get(col)
        if key is None:
            key = _KEYS[col] = header_key(col)  # headers are read folded: unit:name -> unit_name
        v = row.get(key)
        if v is None or type(v) is str:
            return v  # `read_tables` strips cells and leaves empty ones out
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip() or None

    def first(self, row: dict[str, Any], *cols: str) -> tuple[str, str | None]:
        """The first of `cols` with a value (SFM renamed some columns over the years)."""
        for col in cols:
            value = self.text(row, col)
            if value is not None:
                return col, value
        return cols[0], None

    def cites(self, row: dict[str, Any], col: str) -> list[Cite]:
        """One citation of this sheet row per source id in `col:source` (none if empty)."""
        assert self.table is not None
        ids = _source_ids(self.text(row, f"{col}:source"))
        if not ids:
            return []
        locator = {
            "kind": "sheet_row",
            "file": self.table.file,
            "sheet": self.table.name,
            "row": self.row_no,
            "column": col,
        }
        return [Cite(self.item, locator, None, self._reference(i)) for i in ids]

    def support(
        self,
        row: dict[str, Any],
        col: str,
        default_confidence: str | None = None,
        also: tuple[str, ...] = (),
    ) -> Support:
        """The dataset's sources for field `col` (and for the fields `also`: a posting's dates
        have their own sources), each a citation of this sheet row; `col`'s confidence."""
        cites = self.cites(row, col)
        for other in also:
            cites += [c for c in self.cites(row, other) if c not in cites]
        if not cites:  # the dataset's own claim, without its sources
            assert self.table is not None
            cites = [
                Cite(
                    self.item,
                    {
                        "kind": "sheet_row",
                        "file": self.table.file,
                        "sheet": self.table.name,
                        "row": self.row_no,
                        "column": col,
                    },
                )
            ]
        raw = self.text(row, f"{col}:confidence")
        if raw is None and default_confidence is None:
            raise RowError(f"{col}:confidence", "no confidence (Low, Medium or High)")
        try:
            conf = confidence_of(raw) if raw is not None else default_confidence
        except UnsupportedFact as exc:
            raise RowError(f"{col}:confidence", str(exc)) from None
        return Support(str(conf), tuple(cites))

    def _reference(self, source_id: str) -> str:
        known = self._refs.get(source_id)
        if known is None:  # one text per source id, however many rows cite it
            about = self.sources.get(fold(source_id))
            known = self._refs[source_id] = f"{source_id}: {about}" if about else source_id
        return known

    def date(self, row: dict[str, Any], col: str) -> PartialDate | None:
        value = self.text(row, col)
        if value is None:
            parts = [
                self.text(row, f"{col}_{p}") or self.text(row, f"{col}:{p}")
                for p in ("year", "month", "day")
            ]
            if parts[0] is None:
                return None
            try:
                value = "-".join(f"{int(p):02d}" for p in parts if p and p != "0")
            except ValueError:
                raise RowError(
                    f"{col}_year", f"{'-'.join(p or '' for p in parts)!r} is not a date"
                ) from None
        known = self._dates.get(value)
        if known is not None:
            return known  # the same dates recur across rows: each text is read once
        try:
            parsed = parse_loose(value, dayfirst=False)  # SFM writes ISO, or US month/day
        except CadenaError as exc:
            raise RowError(col, str(exc)) from None
        if parsed is not None and len(self._dates) < 100_000:
            self._dates[value] = parsed
        return parsed

    def span(
        self,
        row: dict[str, Any],
        first: str,
        last: str,
        start_flag: str,
        end_flags: tuple[str, ...],
    ) -> TimeSpan:
        f, la = self.date(row, first), self.date(row, last)
        start = f if f and _yes(self.text(row, start_flag)) else None
        closed = any(
            _exact_end(self.text(row, x)) if x.endswith("_open") else _yes(self.text(row, x))
            for x in end_flags
        )
        span = TimeSpan(start, la if la and closed else None, f, la)
        try:
            self.rec.check_span(span)
        except CadenaError as exc:
            raise RowError(first, str(exc)) from None
        return span

    def unit_ref(self, row: dict[str, Any], id_col: str, name_col: str) -> int | None:
        return self.unit_of(self.text(row, id_col), self.text(row, name_col), id_col, name_col)

    def unit_of(self, uid: str | None, name: str | None, id_col: str, name_col: str) -> int | None:
        if uid and uid in self.units:
            return self.units[uid]
        if name is None:
            if uid:
                raise RowError(id_col, f"unit id {uid} is not in the units sheet")
            return None
        found = self.unit_names.get(fold(name), [])
        if len(found) > 1:
            raise RowError(
                name_col,
                f"{name!r} names {len(found)} units of the units sheet; give its unit id column",
            )
        if found:
            return found[0]
        try:
            return self.rec.ref("unit", name)
        except CadenaError as exc:
            raise RowError(name_col, str(exc)) from None


@functools.lru_cache(maxsize=65536)
def _source_ids(cell: str | None) -> list[str]:
    """A `…:source` cell's ids (the same cells recur: each is split once). Do not mutate."""
    return split_list(cell)


def _notes(*parts: tuple[str, str | None]) -> str | None:
    """What SFM says that has no column of its own here, as `label: value; …`."""
    text = "; ".join(f"{label}: {value}" for label, value in parts if value)
    return text or None


# -- sheets -------------------------------------------------------------------------------------


def _source_row(r: SfmRows, row: dict[str, Any]) -> None:
    _col, sid = r.first(
        row, "source:access_point_id:admin", "source:id:admin", "source:source_id:admin"
    )
    if sid is None:
        raise RowError("source:access_point_id:admin", "a source row needs its id")
    title = r.text(row, "source:title")
    by = ", ".join(
        x for x in (r.text(row, "source:author"), r.text(row, "source:publication_name")) if x
    )
    _c, published = r.first(row, "source:published_timestamp", "source:publication_date")
    where = r.text(row, "source:access_point_type")
    about = " ".join(
        x
        for x in (
            title,
            f"({by})" if by else None,
            published,
            r.text(row, "source:url"),
            f"archived {r.text(row, 'source:archive_url')}"
            if r.text(row, "source:archive_url")
            else None,
            f"[{where} {r.text(row, 'source:access_point_trigger') or ''}]".replace(" ]", "]")
            if where
            else None,
        )
        if x
    )
    r.sources[fold(sid)] = about


def _unit_row(r: SfmRows, row: dict[str, Any]) -> None:
    uid = r.text(row, "unit:id:admin")
    name = r.text(row, "unit:name")
    if not name:
        raise RowError("unit:name", "is empty")
    if uid is None or uid not in r.units:
        classes = split_list(r.text(row, "unit:classification"))
        open_end = _short_fold(r.text(row, "unit:last_cited_date_open") or "") == "y"
        unit = r.rec.add_unit(
            name,
            support=r.support(
                row, "unit:name", also=("unit:first_cited_date", "unit:last_cited_date")
            ),
            key=uid,
            aliases=split_list(r.text(row, "unit:other_names")),
            force=_force(classes, name),
            country=r.text(row, "unit:country"),
            classification="; ".join(classes) or None,
            span=r.span(
                row,
                "unit:first_cited_date",
                "unit:last_cited_date",
                "unit:first_cited_date_start",
                ("unit:last_cited_date_end", "unit:last_cited_date_open"),
            ),
        )
        unit.note = _notes(
            ("SFM: assumed to exist after its last cited date", "Y" if open_end else None)
        )
        if uid:
            r.units[uid] = unit.id
        r.unit_names.setdefault(fold(name), []).append(unit.id)
    _location(r, row)


def _location(r: SfmRows, row: dict[str, Any]) -> None:
    """A unit's base or area of operations (SFM's site/area) as a deployment at that place."""
    base, place = r.text(row, "unit:base_name"), r.text(row, "unit:location")
    if not (base or place):
        return
    unit = r.unit_ref(row, "unit:id:admin", "unit:name")
    assert unit is not None
    osm = place.split(" (osm", 1)[0] if place else None  # `Ciudad Juárez (osm, point) <id>`
    col = "unit:location" if place else "unit:base_name"
    dep = r.rec.add_deployment(
        unit,
        ", ".join(x for x in (base, osm) if x),
        support=r.support(row, col, also=("unit:base_name",) if place else ()),
        span=r.span(
            row,
            "unit:location_first_cited_date",
            "unit:location_last_cited_date",
            "unit:location_first_cited_date_founding",
            ("unit:location_open",),
        ),
    )
    dep.note = _notes(
        ("SFM location type", r.text(row, "unit:location_type")), ("SFM location", place)
    )


def _unit_link_row(r: SfmRows, row: dict[str, Any]) -> bool:
    """Second pass over units: the related unit of each row (all units now exist); whether the
    row had one."""
    if not (r.text(row, "unit:related_unit") or r.text(row, "unit:related_unit_id:admin")):
        return False
    child = r.unit_ref(row, "unit:id:admin", "unit:name")
    parent = r.unit_ref(row, "unit:related_unit_id:admin", "unit:related_unit")
    assert child is not None and parent is not None
    cls = _short_fold(r.text(row, "unit:related_unit_class") or "administrative")
    if cls not in _LINES:
        raise RowError("unit:related_unit_class", f"{cls!r}: Administrative, Command or Informal")
    span = r.span(
        row,
        "unit:related_unit_first_cited_date",
        "unit:related_unit_last_cited_date",
        "unit:related_unit_first_cited_date_start",
        ("unit:related_unit_last_cited_date_end", "unit:related_unit_open"),
    )
    link = r.rec.link_units(
        child,
        parent,
        line=_LINES[cls],
        span=span,
        support=r.support(
            row,
            "unit:related_unit",
            also=(
                "unit:related_unit_class",
                "unit:related_unit_first_cited_date",
                "unit:related_unit_last_cited_date",
            ),
        ),
    )
    relation = _short_fold(r.text(row, "unit:relation_type") or "")
    link.note = _notes(
        ("SFM relation", "member (the unit is a member of the related unit)")
        if relation.startswith("member")
        else ("", None),
        (
            "SFM: assumed to continue after its last cited date",
            "Y" if _short_fold(r.text(row, "unit:related_unit_open") or "") == "y" else None,
        ),
    )
    return True


def _person_row(r: SfmRows, row: dict[str, Any]) -> None:
    pid = r.text(row, "person:id:admin")
    name = r.text(row, "person:name")
    if not name:
        raise RowError("person:name", "is empty")
    if pid is not None and pid in r.persons:
        person_id = r.persons[pid]
    else:
        person = r.rec.add_person(
            name,
            support=r.support(row, "person:name", also=("person:other_names",)),
            key=pid,
            aliases=split_list(r.text(row, "person:other_names")),
        )
        person.note = _notes(("SFM country", r.text(row, "person:country")))
        person_id = person.id
        if pid:
            r.persons[pid] = person_id
    unit = r.unit_ref(row, "person:posting_unit_id:admin", "person:posting_unit_name")
    if unit is None:
        return
    unit_col = next(
        (
            c
            for c in (
                "person:posting_unit",
                "person:posting_unit_name",
                "person:posting_unit_id:admin",
            )
            if r.text(row, f"{c}:source") or r.text(row, f"{c}:confidence")
        ),
        "person:posting_unit",
    )
    dates = ("person:posting_first_cited_date", "person:posting_last_cited_date")
    support = r.support(row, unit_col, also=dates)
    span = r.span(
        row,
        "person:posting_first_cited_date",
        "person:posting_last_cited_date",
        "person:posting_first_cited_date_start",
        ("person:posting_last_cited_date_end",),
    )
    role_text = r.text(row, "person:posting_role") or "member"
    title = r.text(row, "person:posting_title") or role_text
    role = _role(role_text)
    key = (unit, role if role != "other" else fold(title))  # SFM's role is the function
    if key not in r.posts:
        post_col = (
            "person:posting_title" if r.text(row, "person:posting_title") else "person:posting_role"
        )
        post_support = (
            r.support(row, post_col, support.confidence)
            if r.text(row, f"{post_col}:source")
            else support
        )
        r.posts[key] = r.rec.add_post(title, unit=unit, role=role, support=post_support).id
    r.rec.add_tenure(person_id, r.posts[key], support=support, span=span)
    rank = r.text(row, "person:posting_rank")
    if rank:
        r.rec.add_rank(
            person_id,
            rank,
            support=r.support(row, "person:posting_rank", support.confidence),
            span=span,
        )


def _incident_row(r: SfmRows, row: dict[str, Any]) -> None:
    iid = r.text(row, "incident:id:admin")
    _c, description = r.first(row, "incident:violation_description", "incident:description")
    types = split_list(r.text(row, "incident:violation_type"))
    location = r.text(row, "incident:location")
    place = r.text(row, "incident:location_description") or (
        location.split(" (osm", 1)[0] if location else None
    )
    title = (place or "") + (f" ({'; '.join(types)})" if types else "")
    # SFM gives no confidence for incidents: recorded as low unless the sheet says otherwise.
    support = r.support(row, "incident:all", "low")
    lat, lon = _coords(r, row)
    span = TimeSpan(r.date(row, "incident:start_date"), r.date(row, "incident:end_date"))
    try:
        span.check()
    except CadenaError as exc:
        raise RowError("incident:start_date", str(exc)) from None
    incident = r.rec.add_incident(
        title.strip() or (iid or "incident"),
        kind=_kind(types),
        support=support,
        span=span,
        place=place,
        lat=lat,
        lon=lon,
        description=description,
        key=iid,
    )
    incident.note = _notes(
        ("SFM violation types", "; ".join(types) if types else None),
        ("SFM location", location),
        ("SFM published", _date_text(r, row, "incident:pub_date")),
        ("SFM updated", _date_text(r, row, "incident:update_date")),
        ("SFM update status", r.text(row, "incident:update_status")),
        ("SFM perpetrator classification", r.text(row, "incident:perpetrator_classification")),
    )
    _perpetrators(r, row, incident, support)


def _date_text(r: SfmRows, row: dict[str, Any], col: str) -> str | None:
    d = r.date(row, col)
    return d.iso() if d else None


def _perpetrators(r: SfmRows, row: dict[str, Any], incident: m.Incident, support: Support) -> None:
    """The units and persons an incident is attributed to: by SFM id where given (the id
    column lines up with the name column), else by name."""
    for kind, id_col, name_cols in (
        ("unit", "incident:perpetrator_unit_id:admin",
         ("incident:perpetrator_unit_name", "incident:perpetrator_unit")),
        ("person", "incident:perpetrator_person_id:admin",
         ("incident:perpetrator_person_name", "incident:perpetrator_name")),
    ):  # fmt: skip
        name_col, given = r.first(row, *name_cols)
        ids, names = split_list(r.text(row, id_col)), split_list(given)
        for i in range(max(len(ids), len(names))):
            ref_id = ids[i] if i < len(ids) else None
            name = names[i] if i < len(names) else None
            if kind == "unit":
                r.rec.attribute(
                    incident,
                    unit=r.unit_of(ref_id, name, id_col, name_col),
                    support=support,
                    basis="perpetrator unit named by the dataset",
                )
            else:
                r.rec.attribute(
                    incident,
                    person=_person_of(r, ref_id, name, id_col, name_col),
                    support=support,
                    basis="perpetrator named by the dataset",
                )


def _person_of(r: SfmRows, pid: str | None, name: str | None, id_col: str, name_col: str) -> int:
    if pid and pid in r.persons:
        return r.persons[pid]
    try:
        return r.rec.ref("person", name or pid or "")
    except CadenaError as exc:
        raise RowError(name_col if name else id_col, str(exc)) from None


def _coords(r: SfmRows, row: dict[str, Any]) -> tuple[float | None, float | None]:
    lon = r.text(row, "incident:site_exact_location_name_longitude") or r.text(
        row, "incident:longitude"
    )
    lat = r.text(row, "incident:site_exact_location_id_latitude") or r.text(
        row, "incident:latitude"
    )
    try:
        if lat and lon:
            return float(lat), float(lon)
    except ValueError:
        pass  # SFM puts an OSM name and id in these columns when there are no coordinates
    return None, None


def _force(classes: list[str], name: str) -> str:
    text = fold(" ".join(classes) + " " + name)
    return next((force for word, force in _FORCES if word in text), "other")


@functools.lru_cache(maxsize=4096)
def _role(text: str) -> str:
    from cadena.facts.sheet import guess_role

    return guess_role(text)


def _kind(types: list[str]) -> str:
    text = fold(" ".join(types))
    return next((kind for word, kind in _HARMS if word in text), "other")


_PASSES: list[tuple[str, Callable[[SfmRows, dict[str, Any]], Any]]] = [
    ("sources", _source_row),
    ("units", _unit_row),
    ("units", _unit_link_row),
    ("persons", _person_row),
    ("incidents", _incident_row),
]
_ENTITY = {"units": "unit", "persons": "person", "incidents": "incident", "sources": "source"}


def _ready(r: SfmRows, name: str, row: dict[str, Any]) -> bool:
    """SFM marks a row ready to publish with status 3; rows without a status are taken."""
    status = r.text(row, f"{_ENTITY[name]}:status:admin")
    return status is None or status == "3"


# -- the import ---------------------------------------------------------------------------------


def import_sfm(case: Case, path: str | Path, *, progress: Progress | None = None) -> ImportReport:
    """Import an SFM dataset; raises `ImportRefused` listing every problem, importing nothing."""
    path = Path(path)
    tables = {t.name: t for t in read_tables(path)}
    if not tables.keys() & {"units", "persons", "incidents"}:
        raise CadenaError(f"{path} has no units, persons or incidents sheet: is it SFM data?")
    report = ImportReport()
    problems: list[Problem] = []
    passes = [(name, h, tables[name]) for name, h in _PASSES if name in tables]
    tick = Ticker(progress, "reading rows", sum(len(t.rows) for _n, _h, t in passes))
    with quiet_gc(), case.session() as s:
        rec = BulkRecorder(case, s)
        r = SfmRows(case, rec)
        shas = {
            f: preserve(case, s, f, note="imported Security Force Monitor data")
            for f in sorted({t.path for t in tables.values()})
        }
        report.files = [{"name": f.name, "sha256": sha} for f, sha in shas.items()]
        for name, handler, table in passes:
            r.table, r.item = table, shas[table.path]
            done = skipped = 0
            for n, row in table.rows:
                r.row_no = n
                if not _ready(r, name, row):
                    skipped += 1
                    tick()
                    continue
                try:
                    with rec.row():
                        made = handler(r, row)
                    done += made is not False  # a units row without a related unit: no link
                except RowError as exc:
                    problems.append(Problem(table.file, name, n, exc.column, exc.reason))
                except CadenaError as exc:
                    problems.append(Problem(table.file, name, n, "", str(exc)))
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    problems.append(Problem(table.file, name, n, "", f"could not be read ({exc})"))
                tick()
            key = "unit_links" if handler is _unit_link_row else name
            report.counts[key] = done
            if skipped and handler is not _unit_link_row:
                report.warnings.append(
                    f"{table.file}: {skipped} row(s) not ready to publish "
                    f"({_ENTITY[name]}:status:admin not 3) skipped"
                )
        if problems:
            raise ImportRefused(problems)
        rec.write(Ticker(progress, "writing facts", rec.staged_rows()).add)
        case.log(
            s,
            "import",
            report.files[0]["sha256"] if len(shas) == 1 else None,
            {"format": "sfm", "path": str(path), "files": report.files, "counts": report.counts},
        )
    return report

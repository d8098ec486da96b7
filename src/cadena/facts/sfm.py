"""Security Force Monitor's format in: a folder of its CSV sheets (`units.csv`, `persons.csv`,
`incidents.csv`, `sources.csv`) or an XLSX workbook with those sheets.

Columns are `entity:field` (`unit:name`, `unit:related_unit`, `person:posting_unit_name`...),
each sourced field followed by `…:source` (`;`-separated source ids) and `…:confidence`
(Low/Medium/High); dates may be split into `_year`/`_month`/`_day`; the flags `…_start`,
`…_open`/`…_end` say whether a cited date is a real start or end. The imported files are
preserved as items and every fact cites its sheet and row in them (`sheet_row` locator), one
citation per source id of the dataset, keeping the id (and the source's title and URL from the
sources sheet) as the citation's `reference`. All or nothing, like the researchers' sheet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadena.errors import CadenaError
from cadena.facts.book import Table, header_key, read_tables
from cadena.facts.citations import Cite, Support, UnsupportedFact, confidence_of
from cadena.facts.names import fold, split_list
from cadena.facts.preserve import preserve
from cadena.facts.record import Recorder
from cadena.facts.sheet import ImportRefused, ImportReport, Problem, RowError
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


def _yes(value: object) -> bool:
    return fold(str(value or "")) in ("y", "yes", "true", "1", "si")


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

    # -- cells ---------------------------------------------------------------------------------
    def text(self, row: dict[str, Any], col: str) -> str | None:
        v = row.get(header_key(col))  # headers are read folded: unit:name -> unit_name
        if v is None or str(v).strip() == "":
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def support(
        self, row: dict[str, Any], col: str, default_confidence: str | None = None
    ) -> Support:
        """The dataset's sources for field `col`, each a citation of this sheet row."""
        assert self.table is not None
        locator = {
            "kind": "sheet_row",
            "file": self.table.file,
            "sheet": self.table.name,
            "row": self.row_no,
            "column": col,
        }
        ids = split_list(self.text(row, f"{col}:source"))
        cites = [Cite(self.item, locator, None, self._reference(i)) for i in ids]
        if not cites:
            cites = [Cite(self.item, locator)]  # the dataset's own claim, without its sources
        raw = self.text(row, f"{col}:confidence")
        if raw is None and default_confidence is None:
            raise RowError(f"{col}:confidence", "no confidence (Low, Medium or High)")
        try:
            conf = confidence_of(raw) if raw is not None else default_confidence
        except UnsupportedFact as exc:
            raise RowError(f"{col}:confidence", str(exc)) from None
        return Support(str(conf), tuple(cites))

    def _reference(self, source_id: str) -> str:
        about = self.sources.get(fold(source_id))
        return f"{source_id}: {about}" if about else source_id

    def date(self, row: dict[str, Any], col: str) -> PartialDate | None:
        value = self.text(row, col)
        if value is None:
            parts = [
                self.text(row, f"{col}_{p}") or self.text(row, f"{col}:{p}")
                for p in ("year", "month", "day")
            ]
            if parts[0] is None:
                return None
            value = "-".join(f"{int(p):02d}" for p in parts if p and p != "0")
        try:
            return parse_loose(value, dayfirst=False)  # SFM writes ISO, or US month/day
        except CadenaError as exc:
            raise RowError(col, str(exc)) from None

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
        closing = [x for x in end_flags if not x.endswith("_open")]
        end = la if la and any(_yes(self.text(row, x)) for x in closing) else None
        span = TimeSpan(start, end, f, la)
        try:
            span.check()
        except CadenaError as exc:
            raise RowError(first, str(exc)) from None
        return span

    def unit_ref(self, row: dict[str, Any], id_col: str, name_col: str) -> int | None:
        uid = self.text(row, id_col)
        if uid and uid in self.units:
            return self.units[uid]
        name = self.text(row, name_col)
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


# -- sheets -------------------------------------------------------------------------------------


def _source_row(r: SfmRows, row: dict[str, Any]) -> None:
    sid = r.text(row, "source:id:admin") or r.text(row, "source:source_id:admin")
    if sid is None:
        raise RowError("source:id:admin", "a source row needs its id")
    about = " ".join(
        x
        for x in (
            r.text(row, "source:title"),
            r.text(row, "source:url"),
            r.text(row, "source:publication_date") or r.text(row, "source:published_timestamp"),
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
        unit = r.rec.add_unit(
            name,
            support=r.support(row, "unit:name"),
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
                ("unit:last_cited_date_end",),
            ),
        )
        if uid:
            r.units[uid] = unit.id
        r.unit_names.setdefault(fold(name), []).append(unit.id)


def _unit_link_row(r: SfmRows, row: dict[str, Any]) -> None:
    """Second pass over units: the related unit of each row (all units now exist)."""
    if not (r.text(row, "unit:related_unit") or r.text(row, "unit:related_unit_id:admin")):
        return
    child = r.unit_ref(row, "unit:id:admin", "unit:name")
    parent = r.unit_ref(row, "unit:related_unit_id:admin", "unit:related_unit")
    assert child is not None and parent is not None
    cls = fold(r.text(row, "unit:related_unit_class") or "administrative")
    if cls not in _LINES:
        raise RowError("unit:related_unit_class", f"{cls!r}: Administrative, Command or Informal")
    span = r.span(
        row,
        "unit:related_unit_first_cited_date",
        "unit:related_unit_last_cited_date",
        "unit:related_unit_first_cited_date_start",
        ("unit:related_unit_last_cited_date_end", "unit:related_unit_open"),
    )
    r.rec.link_units(
        child, parent, line=_LINES[cls], span=span, support=r.support(row, "unit:related_unit")
    )


def _person_row(r: SfmRows, row: dict[str, Any]) -> None:
    pid = r.text(row, "person:id:admin")
    name = r.text(row, "person:name")
    if not name:
        raise RowError("person:name", "is empty")
    if pid is not None and pid in r.persons:
        person_id = r.persons[pid]
    else:
        person_id = r.rec.add_person(
            name,
            support=r.support(row, "person:name"),
            key=pid,
            aliases=split_list(r.text(row, "person:other_names")),
        ).id
        if pid:
            r.persons[pid] = person_id
    unit = r.unit_ref(row, "person:posting_unit_id:admin", "person:posting_unit_name")
    if unit is None:
        return
    unit_col = next(
        (
            c
            for c in (
                "person:posting_unit_name",
                "person:posting_unit",
                "person:posting_unit_id:admin",
            )
            if r.text(row, f"{c}:source") or r.text(row, f"{c}:confidence")
        ),
        "person:posting_unit_name",
    )
    support = r.support(row, unit_col)
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
        r.posts[key] = r.rec.add_post(title, unit=unit, role=role, support=support).id
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
    description = r.text(row, "incident:violation_description") or r.text(
        row, "incident:description"
    )
    types = split_list(r.text(row, "incident:violation_type"))
    title = (r.text(row, "incident:location_description") or "") + (
        f" ({'; '.join(types)})" if types else ""
    )
    # SFM gives no confidence for incidents: recorded as low unless the sheet says otherwise.
    support = r.support(row, "incident:all", "low")
    lat, lon = _coords(r, row)
    span = TimeSpan(r.date(row, "incident:start_date"), r.date(row, "incident:end_date"))
    incident = r.rec.add_incident(
        title.strip() or (iid or "incident"),
        kind=_kind(types),
        support=support,
        span=span,
        place=r.text(row, "incident:location_description"),
        lat=lat,
        lon=lon,
        description=description,
        key=iid,
    )
    for name in split_list(r.text(row, "incident:perpetrator_unit")):
        found = r.unit_names.get(fold(name), [])
        try:
            unit = found[0] if len(found) == 1 else r.rec.ref("unit", name)
        except CadenaError as exc:
            raise RowError("incident:perpetrator_unit", str(exc)) from None
        r.rec.attribute(
            incident, unit=unit, support=support, basis="perpetrator unit named by the dataset"
        )
    for name in split_list(r.text(row, "incident:perpetrator_name")):
        try:
            person = r.rec.ref("person", name)
        except CadenaError as exc:
            raise RowError("incident:perpetrator_name", str(exc)) from None
        r.rec.attribute(
            incident, person=person, support=support, basis="perpetrator named by the dataset"
        )


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


def _role(text: str) -> str:
    from cadena.facts.sheet import guess_role

    return guess_role(text)


def _kind(types: list[str]) -> str:
    text = fold(" ".join(types))
    return next((kind for word, kind in _HARMS if word in text), "other")


# -- the import ---------------------------------------------------------------------------------

_PASSES: list[tuple[str, Callable[[SfmRows, dict[str, Any]], None]]] = [
    ("sources", _source_row),
    ("units", _unit_row),
    ("units", _unit_link_row),
    ("persons", _person_row),
    ("incidents", _incident_row),
]


def import_sfm(case: Case, path: str | Path) -> ImportReport:
    """Import an SFM dataset; raises `ImportRefused` listing every problem, importing nothing."""
    path = Path(path)
    tables = {t.name: t for t in read_tables(path)}
    if not tables.keys() & {"units", "persons", "incidents"}:
        raise CadenaError(f"{path} has no units, persons or incidents sheet: is it SFM data?")
    report = ImportReport()
    problems: list[Problem] = []
    with case.session() as s:
        r = SfmRows(case, Recorder(case, s, log=False))
        shas = {
            f: preserve(case, s, f, note="imported Security Force Monitor data")
            for f in sorted({t.path for t in tables.values()})
        }
        report.files = [{"name": f.name, "sha256": sha} for f, sha in shas.items()]
        for name, handler in _PASSES:
            table = tables.get(name)
            if table is None:
                continue
            r.table, r.item = table, shas[table.path]
            done = 0
            for n, row in table.rows:
                r.row_no = n
                try:
                    with s.begin_nested():
                        handler(r, row)
                    done += 1
                except RowError as exc:
                    problems.append(Problem(table.file, name, n, exc.column, exc.reason))
                except CadenaError as exc:
                    problems.append(Problem(table.file, name, n, "", str(exc)))
            key = "unit_links" if handler is _unit_link_row else name
            report.counts[key] = done
        if problems:
            raise ImportRefused(problems)
        case.log(
            s,
            "import",
            report.files[0]["sha256"] if len(shas) == 1 else None,
            {"format": "sfm", "path": str(path), "files": report.files, "counts": report.counts},
        )
    return report

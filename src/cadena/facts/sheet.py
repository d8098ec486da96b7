"""The researchers' spreadsheet format: a folder of CSV files or one XLSX workbook, a sheet per
fact type (see docs/sheet-format.md, which `SHEETS` below also generates the template from).

`import_sheet` forgives what people type (dates as 15/12/2022 or 2022-12-15, names in any case
or accent, `;` or `,` as CSV separator) and refuses only what is truly ambiguous or missing. Every
malformed row is reported with file, sheet, row, column and reason, and a refused import changes
nothing: it runs in one transaction that is rolled back if any row failed.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.facts import models as m
from cadena.facts.book import Table, read_tables, write_tables
from cadena.facts.bulk import BulkRecorder, DuplicateKey, quiet_gc
from cadena.facts.citations import (
    Cite,
    Support,
    UnsupportedFact,
    confidence_of,
    describe_locator,
    parse_locator,
)
from cadena.facts.names import fold, split_list
from cadena.facts.preserve import preserve
from cadena.facts.record import Identity, PartyRef
from cadena.facts.time import PartialDate, TimeSpan, parse_loose
from cadena.vault.case import Case

FORMAT_VERSION = "1"
# The export names a row that has no id of its own `~<fact id>`: other rows refer to it by that,
# and an import links them, but keeps no such id as the fact's key (the fact had none).
MADE_ID = "~"


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    example: str = ""
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    name: str
    meaning: str
    columns: tuple[Column, ...]
    dated: bool = True  # has the common fact columns (dates, sources, confidence...)


COMMON = (
    Column(
        "start",
        "Known start (or the date and time of an event). 2022-12-15, 15/12/2022, "
        "12/2022, 2022, 2022-12-15 14:30.",
        "15/12/2022",
    ),
    Column("end", "Known end.", ""),
    Column(
        "first_cited",
        "Earliest date a source shows this true (when the start is not known).",
        "02/11/2022",
    ),
    Column("last_cited", "Latest date a source shows this true.", "20/01/2023"),
    Column(
        "sources",
        "Citations, `;`-separated: a source id from the sources sheet (or an item's "
        "SHA-256 prefix) then where in it: p. 4, para 3, 00:12.4-00:14.0, region x,y,w,h.",
        "S1 p. 4; S2 00:12-00:14",
    ),
    Column("quote", "The passage quoted from the source, if any.", ""),
    Column("confidence", "high, medium or low (alta, media, baja).", "high", True),
    Column("assumption", "When no source is cited: the assumption this row is made on.", ""),
    Column("note", "Anything else.", ""),
)
ID = Column("id", "Your own id for this row (U1, P-17); other sheets may refer to it.", "U1")


def _cols(*cols: Column) -> tuple[Column, ...]:
    return (ID, *cols, *COMMON)


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec("sources", "The documents and recordings cited, each preserved as an item.", (
        Column("id", "A short id the other sheets cite (S1).", "S1", True),
        Column("item", "The item's SHA-256 (or a unique prefix), if already in the case.", ""),
        Column("file", "Or a file path, relative to this folder, to preserve as an item.",
               "files/decreto-112.pdf"),
        Column("title", "What it is.", "Decreto 112 de 2022"),
    ), dated=False),
    SheetSpec("units", "Police, army and civil units (ministries, an ombudsperson office).", _cols(
        Column("name", "The unit's name.", "Escuadrón Móvil Norte", True),
        Column("aliases", "Other names and abbreviations, `;`-separated.", "EMN; Móvil 3"),
        Column("force", "police, army, navy, air_force, joint, civil, international, other.",
               "police"),
        Column("country", "Country (ISO code or name).", "XX"),
        Column("classification", "Battalion, brigade, ministry...", "squadron"),
    )),
    SheetSpec("unit_links", "Which unit is under which, on which line, when.", _cols(
        Column("unit", "The subordinate unit (id, name or alias).", "U3", True),
        Column("parent", "The unit above it.", "U2", True),
        Column("line", "administrative, operational (a temporary joint command) or informal.",
               "administrative"),
    )),
    SheetSpec("persons", "Members of the forces, officials, and other actors.", _cols(
        Column("name", "Full name.", "Ana Pérez", True),
        Column("aliases", "Other names, `;`-separated.", "La Capitana"),
        Column("description", "Who they are.", ""),
    )),
    SheetSpec("ranks", "A person's rank over time.", _cols(
        Column("person", "Id or name.", "P1", True),
        Column("rank", "The rank.", "Coronel", True),
    )),
    SheetSpec("posts", "Roles in a unit (commander, deputy...) or offices (minister).", _cols(
        Column("unit", "The unit (empty for an office outside any unit).", "U3"),
        Column("title", "The post's title.", "Comandante", True),
        Column("role", "commander, deputy, chief_of_operations, operational_chief, head, "
               "director, chief, minister, president, ombudsperson, other.", "commander"),
        Column("head", "yes if its holder commands the unit (default from the role).", ""),
    )),
    SheetSpec("tenures", "A person holds a post. A post not in the posts sheet is created from "
              "its title and unit.", _cols(
        Column("person", "Id or name.", "P1", True),
        Column("post", "The post's id, or its title (with the unit column).", "Comandante", True),
        Column("unit", "The unit of the post, when the post is given by title.", "U3"),
        Column("role", "The role, when the post is created here.", ""),
    )),
    SheetSpec("orders", "Orders and operational plans, renewals and amendments as their own rows.",
              _cols(
        Column("title", "Title or number.", "Plan Tormenta 2/2022", True),
        Column("kind", "plan, order, directive, instruction, renewal, amendment, other.", "plan"),
        Column("issued_by_post", "The post that issued it (id, or `title, unit`).", ""),
        Column("issued_by_person", "The person who signed it.", "P1"),
        Column("to_units", "Units it was addressed to, `;`-separated.", "U3; U4"),
        Column("firearms_authorised", "yes / no / empty when not said.", "yes"),
        Column("lethal_force_conditions", "Conditions for lethal force, as written.", ""),
        Column("who_may_order_fire", "Who may order fire, as written.", ""),
        Column("labels", "Labels applied to protesters, `;`-separated.", "terroristas"),
        Column("operation", "Operation name.", "Tormenta"),
        Column("renews", "The order it renews or amends (id or title).", ""),
    )),
    SheetSpec("deployments", "A unit at a place or area, in an operation, under a plan.", _cols(
        Column("unit", "Id or name.", "U3", True),
        Column("place", "Place name.", "Plaza Central", True),
        Column("lat", "Latitude (WGS84).", "4.6097"),
        Column("lon", "Longitude.", "-74.0817"),
        Column("uncertainty_m", "Radius of uncertainty in metres.", "200"),
        Column("operation", "Operation name.", "Tormenta"),
        Column("plan", "The plan it was under (id or title).", "O1"),
        Column("area", "The area as a GeoJSON geometry, if it is more than a point.", ""),
    )),
    SheetSpec("incidents", "Killings, injuries, arbitrary detentions, ill-treatment.", _cols(
        Column("title", "A short title.", "Plaza Central, 15 Dec", True),
        Column("kind", "killing, injury, arbitrary_detention, ill_treatment, other.", "killing"),
        Column("place", "Place name.", "Plaza Central"),
        Column("lat", "Latitude.", "4.6097"),
        Column("lon", "Longitude.", "-74.0817"),
        Column("uncertainty_m", "Radius of uncertainty in metres.", "50"),
        Column("killed", "Number killed.", "2"),
        Column("injured", "Number injured.", "7"),
        Column("detained", "Number detained.", ""),
        Column("weapons", "Weapons, `;`-separated.", "rifle; tear gas launcher"),
        Column("ammunition", "Ammunition, `;`-separated.", "5.56 mm"),
        Column("description", "What happened.", ""),
    )),
    SheetSpec("victims", "Victims, by pseudonym. name and contact are sensitive: kept apart and "
              "left out of exports unless asked for.", _cols(
        Column("incident", "The incident (id or title).", "I1", True),
        Column("pseudonym", "A pseudonym used in reports.", "V-01", True),
        Column("harm", "killed, injured, detained, ill_treated, other.", "killed"),
        Column("age", "Age.", "19"),
        Column("gender", "Gender.", ""),
        Column("name", "SENSITIVE: real name.", ""),
        Column("contact", "SENSITIVE: contact of the family.", ""),
        Column("identity_note", "SENSITIVE: note.", ""),
    )),
    SheetSpec("attributions", "An incident attributed to a unit and/or a person.", _cols(
        Column("incident", "Id or title.", "I1", True),
        Column("unit", "Unit (id or name).", "U3"),
        Column("person", "Person (id or name).", ""),
        Column("basis", "Why: uniforms seen, vehicles, radio traffic, the plan...", "uniforms"),
    )),
    SheetSpec("communications", "Reports, warnings, calls for a ceasefire, instructions.", _cols(
        Column("kind", "casualty_report, report, warning, ceasefire_call, instruction, request, "
               "other.", "casualty_report", True),
        Column("from", "Sender: person, unit or post, `;`-separated.", "U3", True),
        Column("to", "Recipients, `;`-separated.", "P2"),
        Column("channel", "Radio, letter, WhatsApp...", "radio"),
        Column("summary", "What it said.", ""),
        Column("incident", "The incident it is about (id or title).", "I1"),
    )),
    SheetSpec("meetings", "Who met, when, about what.", _cols(
        Column("subject", "Subject.", "Security council", True),
        Column("attendees", "Persons, units or posts, `;`-separated.", "P1; P2", True),
        Column("incident", "The incident it is about.", ""),
    )),
    SheetSpec("statements", "Public statements: praise, justification, vilification, "
              "condemnation.", _cols(
        Column("kind", "praise, justification, vilification, condemnation, denial, other.",
               "praise", True),
        Column("speaker", "Who spoke (person, unit or post).", "P2", True),
        Column("about", "Who it was about, `;`-separated.", "U3"),
        Column("summary", "What was said.", ""),
        Column("incident", "The incident it is about.", ""),
    )),
    SheetSpec("measures", "Disciplinary cases, referrals, promotions, appointments, dismissals, "
              "decorations.", _cols(
        Column("kind", "disciplinary_opened, disciplinary_archived, disciplinary_sanctioned, "
               "criminal_referral, promotion, appointment, dismissal, decoration, transfer, other.",
               "promotion", True),
        Column("decided_by", "Who decided (person, unit or post), `;`-separated.", "P2"),
        Column("about", "About whom, `;`-separated.", "P1", True),
        Column("summary", "What was decided.", ""),
        Column("incident", "The incident it relates to.", ""),
    )),
    SheetSpec("citations", "Extra citations for rows of other sheets (what does not fit in "
              "their sources column).", (
        Column("sheet", "The sheet of the row cited for.", "orders", True),
        Column("id", "The id of that row.", "O1", True),
        Column("source", "Source id or item SHA-256 prefix.", "S1", True),
        Column("locator", "Where in it.", "p. 3"),
        Column("quote", "The passage quoted.", "se autoriza el uso de armas de fuego"),
        Column("reference", "A dataset's own reference for the source.", ""),
    ), dated=False),
)  # fmt: skip
SPECS = {spec.name: spec for spec in SHEETS}


# -- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the input, and where."""

    file: str
    sheet: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}, sheet {self.sheet}, row {self.row}"
        return (
            f"{where}, column {self.column}: {self.reason}"
            if self.column
            else f"{where}: {self.reason}"
        )


class ImportRefused(CadenaError):
    """The input has problems; nothing was imported. `problems` lists every one."""

    exit_code = 1

    def __init__(self, problems: list[Problem]) -> None:
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"Nothing was imported: {len(problems)} problem(s) to fix.\n{shown}{more}")
        self.problems = problems


class RowError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass
class ImportReport:
    files: list[dict[str, str]] = field(default_factory=list)  # {"name", "sha256"}
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "counts": self.counts, "warnings": self.warnings}


# -- reading rows ---------------------------------------------------------------------------------


class Rows:
    """What row handlers share: the recorder, the sources by id, and cell parsing that raises
    `RowError` naming the column."""

    def __init__(self, case: Case, s: Session, *, dayfirst: bool) -> None:
        self.case, self.s, self.dayfirst = case, s, dayfirst
        self.rec = BulkRecorder(case, s)
        self.sources: dict[str, str] = {}  # folded source id -> item sha
        self._items: dict[str, str | None] = {}  # an item named by SHA-256 prefix -> its sha
        self.extra: dict[tuple[str, str], list[Cite]] = defaultdict(list)

    def text(self, row: dict[str, Any], col: str, required: bool = False) -> str | None:
        v = row.get(col)
        if v is None or str(v).strip() == "":
            if required:
                raise RowError(col, "is empty; it is required")
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip()

    def key(self, row: dict[str, Any]) -> str | None:
        """The row's id as the fact's key; none for an id the export made (`~12`)."""
        key = self.text(row, "id")
        return None if key is None or key.startswith(MADE_ID) else key

    def need(self, row: dict[str, Any], col: str) -> str:
        value = self.text(row, col, required=True)
        assert value is not None
        return value

    def number(self, row: dict[str, Any], col: str, integer: bool = False) -> Any:
        v = self.text(row, col)
        if v is None:
            return None
        try:
            x = float(v.replace(",", ".")) if isinstance(v, str) else float(v)
        except ValueError:
            raise RowError(col, f"{v!r} is not a number") from None
        if integer:
            if not x.is_integer() or x < 0:
                raise RowError(col, f"{v!r} is not a whole number")
            return int(x)
        return x

    def flag(self, row: dict[str, Any], col: str) -> bool | None:
        v = self.text(row, col)
        if v is None:
            return None
        f = fold(v)
        if f in ("yes", "y", "si", "true", "1", "x", "authorised", "authorized"):
            return True
        if f in ("no", "n", "false", "0", "not authorised", "not authorized"):
            return False
        raise RowError(col, f"{v!r}: write yes or no (or leave it empty)")

    def date(self, row: dict[str, Any], col: str) -> PartialDate | None:
        try:
            return parse_loose(row.get(col), dayfirst=self.dayfirst)
        except CadenaError as exc:
            raise RowError(col, str(exc)) from None

    def span(self, row: dict[str, Any]) -> TimeSpan:
        start = self.date(row, "start") or self.date(row, "date")
        span = TimeSpan(
            start,
            self.date(row, "end"),
            self.date(row, "first_cited"),
            self.date(row, "last_cited"),
        )
        try:
            span.check()
        except CadenaError as exc:
            raise RowError("start", str(exc)) from None
        return span

    def cite(
        self,
        ref: str,
        locator: str | None,
        col: str,
        quote: str | None = None,
        reference: str | None = None,
    ) -> Cite:
        sha = self.sources.get(fold(ref)) or self._item(ref)
        if sha is None:
            raise RowError(
                col, f"{ref!r} is neither a source id of the sources sheet nor an item of this case"
            )
        return Cite(sha, _locator(locator), quote, reference)

    def _item(self, ref: str) -> str | None:
        if ref not in self._items:  # one look-up per prefix, however many rows cite it
            try:
                self._items[ref] = self.case.resolve_item(self.s, ref).sha256
            except CadenaError:
                self._items[ref] = None
        return self._items[ref]

    def support(self, sheet: str, row: dict[str, Any]) -> Support:
        quote = self.text(row, "quote")
        cites = []
        for entry in split_list(self.text(row, "sources")):
            ref, _, locator = entry.partition(" ")
            cites.append(self.cite(ref, locator, "sources", quote))
        key = self.text(row, "id")
        if key:
            cites.extend(self.extra.get((sheet, fold(key)), []))
        try:
            conf = confidence_of(row.get("confidence"))
        except UnsupportedFact as exc:
            raise RowError("confidence", str(exc)) from None
        support = Support(conf, tuple(cites), self.text(row, "assumption"))
        if not support.citations and not support.assumption:
            raise RowError(
                "sources",
                "no source cited and no assumption named: cite a source "
                "(sources column) or write the assumption (assumption column)",
            )
        return support

    def ref(self, kind: str, row: dict[str, Any], col: str, required: bool = False) -> int | None:
        value = self.text(row, col, required)
        if value is None:
            return None
        try:
            return self.rec.ref(kind, value)
        except CadenaError as exc:
            raise RowError(col, str(exc)) from None

    def refs(self, kind: str, row: dict[str, Any], col: str) -> list[int]:
        out = []
        for value in split_list(self.text(row, col)):
            try:
                out.append(self.rec.ref(kind, value))
            except CadenaError as exc:
                raise RowError(col, str(exc)) from None
        return out

    def parties(
        self, row: dict[str, Any], col: str, role: str, required: bool = False
    ) -> list[PartyRef]:
        names = split_list(self.text(row, col, required))
        return [PartyRef(role, name=n) for n in names]


def _locator(text: str | None) -> dict[str, Any]:
    text = (text or "").strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return parse_locator(text)
        if isinstance(value, dict) and value.get("kind"):
            return value
    return parse_locator(text)


# -- one handler per sheet ------------------------------------------------------------------------

Handler = Callable[[Rows, dict[str, Any], "Origin"], Any]  # returns the fact it adds, if any


@dataclass(frozen=True)
class Origin:
    file: str
    sheet: str
    row: int
    folder: Path = Path(".")  # where the sheet file is: `file` paths are relative to it


def _sources(r: Rows, row: dict[str, Any], origin: Origin) -> None:
    sid = r.need(row, "id")
    item, file = r.text(row, "item"), r.text(row, "file")
    if item:
        try:
            sha = r.case.resolve_item(r.s, item).sha256
        except CadenaError as exc:
            raise RowError("item", str(exc)) from None
    elif file:
        path = origin.folder / file
        if not path.is_file():
            raise RowError("file", f"{file!r} is not a file next to the sheet ({path})")
        sha = preserve(r.case, r.s, path, note=f"source {sid} of {origin.file}")
    else:
        raise RowError("item", "give the item's SHA-256 (item) or a file to preserve (file)")
    if fold(sid) in r.sources and r.sources[fold(sid)] != sha:
        raise RowError("id", f"source id {sid!r} is used twice for different items")
    r.sources[fold(sid)] = sha


def _citations(r: Rows, row: dict[str, Any], origin: Origin) -> None:
    sheet = header_sheet(r.need(row, "sheet"))
    cite = r.cite(
        r.need(row, "source"),
        r.text(row, "locator"),
        "source",
        r.text(row, "quote"),
        r.text(row, "reference"),
    )
    r.extra[(sheet, fold(r.need(row, "id")))].append(cite)


def header_sheet(name: str) -> str:
    return fold(name).replace(" ", "_")


def _units(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return r.rec.add_unit(
        r.need(row, "name"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        key=r.key(row),
        aliases=split_list(r.text(row, "aliases")),
        force=_or(r, row, "force", "police"),
        country=r.text(row, "country"),
        classification=r.text(row, "classification"),
    )


def _unit_links(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    child, parent = r.ref("unit", row, "unit", True), r.ref("unit", row, "parent", True)
    assert child is not None and parent is not None
    return r.rec.link_units(
        child,
        parent,
        support=r.support(o.sheet, row),
        span=r.span(row),
        line=_or(r, row, "line", "administrative"),
        key=r.key(row),
    )


def _persons(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return r.rec.add_person(
        r.need(row, "name"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        key=r.key(row),
        aliases=split_list(r.text(row, "aliases")),
        description=r.text(row, "description"),
    )


def _ranks(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    person = r.ref("person", row, "person", True)
    assert person is not None
    return r.rec.add_rank(
        person,
        r.need(row, "rank"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        key=r.key(row),
    )


def _posts(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    title = r.need(row, "title")
    return r.rec.add_post(
        title,
        unit=r.ref("unit", row, "unit"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        role=_or(r, row, "role", guess_role(title)),
        head=r.flag(row, "head"),
        key=r.key(row),
    )


@functools.lru_cache(maxsize=4096)
def guess_role(title: str) -> str:
    """A post's role from its title, in English or Spanish (the researcher may say otherwise)."""
    t = fold(title)
    for words, role in (
        (("deputy", "sub", "segundo", "vice"), "deputy"),
        (("operaciones", "operations"), "chief_of_operations"),
        (("president",), "president"),
        (("minist",), "minister"),
        (("defensor", "ombuds"), "ombudsperson"),
        (("director",), "director"),
        (("comandante", "commander", "command"), "commander"),
        (("jefe", "chief", "head"), "chief"),
    ):
        if any(w in t for w in words):
            return role
    return "other"


def _post_ref(
    r: Rows,
    row: dict[str, Any],
    col: str,
    unit_col: str,
    support: Support,
    role_col: str | None = None,
) -> int:
    """A post by id or title; by title within the unit column's unit, created if missing."""
    title = r.need(row, col)
    unit = r.ref("unit", row, unit_col) if unit_col in row else None
    if unit is None:
        try:
            return r.rec.ref("post", title)
        except CadenaError as exc:
            raise RowError(col, str(exc) + " Name its unit in the unit column.") from None
    rows = r.rec.posts_in(unit)
    in_unit = [i for i, _t, k in rows if k and k.lower() == title.lower()]
    if not in_unit:
        in_unit = [i for i, t, _k in rows if fold(t) == fold(title)]
    if len(in_unit) > 1:
        raise RowError(col, f"the unit has {len(in_unit)} posts titled {title!r}; give the post id")
    if in_unit:
        return in_unit[0]
    role = (r.text(row, role_col) if role_col else None) or guess_role(title)
    return r.rec.add_post(title, unit=unit, role=role, support=support).id


def _tenures(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    support = r.support(o.sheet, row)
    person = r.ref("person", row, "person", True)
    assert person is not None
    post = _post_ref(r, row, "post", "unit", support, "role")
    return r.rec.add_tenure(person, post, support=support, span=r.span(row), key=r.key(row))


def _orders(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    support = r.support(o.sheet, row)
    post = None
    if r.text(row, "issued_by_post"):
        try:
            post = r.rec.ref("post", r.need(row, "issued_by_post"))
        except CadenaError as exc:
            raise RowError("issued_by_post", str(exc)) from None
    return r.rec.add_order(
        r.need(row, "title"),
        kind=_or(r, row, "kind", "order"),
        support=support,
        span=r.span(row),
        issued_by_post=post,
        issued_by_person=r.ref("person", row, "issued_by_person"),
        to_units=r.refs("unit", row, "to_units"),
        firearms_authorised=r.flag(row, "firearms_authorised"),
        lethal_force_conditions=r.text(row, "lethal_force_conditions"),
        who_may_order_fire=r.text(row, "who_may_order_fire"),
        labels=split_list(r.text(row, "labels")),
        operation=r.text(row, "operation"),
        renews=r.ref("order", row, "renews"),
        key=r.key(row),
    )


def _deployments(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    unit = r.ref("unit", row, "unit", True)
    assert unit is not None
    return r.rec.add_deployment(
        unit,
        r.need(row, "place"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        lat=r.number(row, "lat"),
        lon=r.number(row, "lon"),
        uncertainty_m=r.number(row, "uncertainty_m"),
        operation=r.text(row, "operation"),
        plan=r.ref("order", row, "plan"),
        area=_area(r, row),
        key=r.key(row),
    )


def _area(r: Rows, row: dict[str, Any]) -> dict[str, Any] | None:
    text = r.text(row, "area")
    if text is None:
        return None
    try:
        area = json.loads(text)
    except ValueError:
        area = None
    if not isinstance(area, dict) or "type" not in area:
        raise RowError("area", 'write a GeoJSON geometry ({"type": "Polygon", …}) or leave it')
    return area


def _incidents(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return r.rec.add_incident(
        r.need(row, "title"),
        kind=_or(r, row, "kind", "killing"),
        support=r.support(o.sheet, row),
        span=r.span(row),
        place=r.text(row, "place"),
        lat=r.number(row, "lat"),
        lon=r.number(row, "lon"),
        uncertainty_m=r.number(row, "uncertainty_m"),
        killed=r.number(row, "killed", True),
        injured=r.number(row, "injured", True),
        detained=r.number(row, "detained", True),
        weapons=split_list(r.text(row, "weapons")),
        ammunition=split_list(r.text(row, "ammunition")),
        description=r.text(row, "description"),
        key=r.key(row),
    )


def _victims(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    incident = r.ref("incident", row, "incident", True)
    assert incident is not None
    ident = Identity(r.text(row, "name"), r.text(row, "contact"), r.text(row, "identity_note"))
    return r.rec.add_victim(
        incident,
        r.need(row, "pseudonym"),
        support=r.support(o.sheet, row),
        harm=_or(r, row, "harm", "killed"),
        age=r.number(row, "age", True),
        gender=r.text(row, "gender"),
        identity=ident,
        key=r.key(row),
    )


def _attributions(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    incident = r.ref("incident", row, "incident", True)
    assert incident is not None
    unit, person = r.ref("unit", row, "unit"), r.ref("person", row, "person")
    if unit is None and person is None:
        raise RowError("unit", "name the unit or the person the incident is attributed to")
    return r.rec.attribute(
        incident,
        unit=unit,
        person=person,
        basis=r.text(row, "basis"),
        support=r.support(o.sheet, row),
        key=r.key(row),
    )


def _with_parties(
    r: Rows,
    row: dict[str, Any],
    o: Origin,
    add: Callable[..., Any],
    parties: list[tuple[str, str, bool]],
    **kw: Any,
) -> Any:
    rec_parties = [
        _checked_party(r, p, col)
        for col, role, required in parties
        for p in r.parties(row, col, role, required)
    ]
    return add(
        support=r.support(o.sheet, row),
        span=r.span(row),
        parties=rec_parties,
        incident=r.ref("incident", row, "incident"),
        key=r.key(row),
        **kw,
    )


def _checked_party(r: Rows, p: PartyRef, col: str) -> PartyRef:
    assert p.name is not None
    try:
        kind, fid = r.rec.party_of(p.name)
    except CadenaError as exc:
        raise RowError(col, str(exc)) from None
    return PartyRef(
        p.role,
        person=fid if kind == "person" else None,
        unit=fid if kind == "unit" else None,
        post=fid if kind == "post" else None,
    )


def _communications(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return _with_parties(
        r,
        row,
        o,
        lambda **kw: r.rec.add_communication(r.need(row, "kind"), **kw),
        [("from", "from", True), ("to", "to", False)],
        channel=r.text(row, "channel"),
        summary=r.text(row, "summary"),
    )


def _meetings(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return _with_parties(
        r,
        row,
        o,
        r.rec.add_meeting,
        [("attendees", "attendee", True)],
        subject=r.need(row, "subject"),
    )


def _statements(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return _with_parties(
        r,
        row,
        o,
        lambda **kw: r.rec.add_statement(r.need(row, "kind"), **kw),
        [("speaker", "speaker", True), ("about", "about", False)],
        summary=r.text(row, "summary"),
    )


def _measures(r: Rows, row: dict[str, Any], o: Origin) -> Any:
    return _with_parties(
        r,
        row,
        o,
        lambda **kw: r.rec.add_measure(r.need(row, "kind"), **kw),
        [("decided_by", "decided_by", False), ("about", "about", True)],
        summary=r.text(row, "summary"),
    )


def _or(r: Rows, row: dict[str, Any], col: str, default: str) -> str:
    return r.text(row, col) or default


HANDLERS: dict[str, Handler] = {
    "sources": _sources, "citations": _citations, "units": _units, "unit_links": _unit_links,
    "persons": _persons, "ranks": _ranks, "posts": _posts, "tenures": _tenures,
    "orders": _orders, "deployments": _deployments, "incidents": _incidents,
    "victims": _victims, "attributions": _attributions, "communications": _communications,
    "meetings": _meetings, "statements": _statements, "measures": _measures,
}  # fmt: skip
ORDER = [
    "sources",
    "citations",
    "units",
    "unit_links",
    "persons",
    "ranks",
    "posts",
    "tenures",
    "orders",
    "deployments",
    "incidents",
    "victims",
    "attributions",
    "communications",
    "meetings",
    "statements",
    "measures",
]
# Sheet names people may use instead of ours.
SHEET_ALIASES = {
    "unit_link": "unit_links",
    "links": "unit_links",
    "parents": "unit_links",
    "unit": "units",
    "person": "persons",
    "people": "persons",
    "post": "posts",
    "tenure": "tenures",
    "order": "orders",
    "plans": "orders",
    "deployment": "deployments",
    "incident": "incidents",
    "victim": "victims",
    "attribution": "attributions",
    "communication": "communications",
    "meeting": "meetings",
    "statement": "statements",
    "measure": "measures",
    "source": "sources",
    "citation": "citations",
    "rank": "ranks",
}


# -- import ---------------------------------------------------------------------------------------


Progress = Callable[[str, int, int], None]  # (what, done, total): for a progress bar


def import_sheet(
    case: Case, path: str | Path, *, dayfirst: bool = True, progress: Progress | None = None
) -> ImportReport:
    """Import a folder of CSV files or an XLSX workbook in the researchers' format, all or nothing.

    Raises `ImportRefused` listing every problem (file, sheet, row, column, reason) when any row
    is malformed; then nothing is written."""
    path = Path(path)
    tables = read_tables(path)
    report = ImportReport()
    by_name: dict[str, list[Table]] = defaultdict(list)
    problems: list[Problem] = []
    for t in tables:
        name = SHEET_ALIASES.get(t.name, t.name)
        if name in ("instructions", "readme"):
            continue
        if name not in HANDLERS:
            report.warnings.append(f"{t.file}: sheet {t.name!r} is not part of the format; ignored")
            continue
        known = {c.name for c in SPECS[name].columns} | {"date"}
        for h in t.headers:
            if h and h not in known:
                report.warnings.append(f"{t.file}, sheet {t.name}: column {h!r} ignored")
        by_name[name].append(t)
    ordered = [t for name in ORDER for t in by_name.get(name, [])]
    tick = Ticker(progress, "reading rows", sum(len(t.rows) for t in ordered))
    with quiet_gc(), case.session() as s:
        rows = Rows(case, s, dayfirst=dayfirst)
        for t in ordered:
            name = SHEET_ALIASES.get(t.name, t.name)
            report.counts[name] = report.counts.get(name, 0)
            for n, row in t.rows:
                problem = _one_row(
                    rows, HANDLERS[name], row, Origin(t.file, name, n, t.path.parent)
                )
                if problem:
                    problems.append(problem)
                else:
                    report.counts[name] += 1
                tick()
        if problems:
            raise ImportRefused(problems)
        files = {t.path for t in tables}
        for f in sorted(files):
            sha = preserve(case, s, f, note="imported researchers' sheet")
            report.files.append({"name": f.name, "sha256": sha})
        rows.rec.write(Ticker(progress, "writing facts", rows.rec.staged_rows()).add)
        case.log(
            s,
            "import",
            report.files[0]["sha256"] if len(files) == 1 else None,
            {
                "format": "cadena-sheet",
                "version": FORMAT_VERSION,
                "path": str(path),
                "files": report.files,
                "counts": report.counts,
                "dayfirst": dayfirst,
            },
        )
    return report


class Ticker:
    """Calls `progress(what, done, total)` every few hundred rows (and at the end)."""

    def __init__(self, progress: Progress | None, what: str, total: int) -> None:
        self.progress, self.what, self.total, self.done = progress, what, total, 0
        if progress:
            progress(what, 0, total)

    def __call__(self) -> None:
        self.add(1)

    def add(self, n: int) -> None:
        before, self.done = self.done, self.done + n
        if self.progress and (self.done // 500 != before // 500 or self.done >= self.total):
            self.progress(self.what, min(self.done, self.total), self.total)


def _one_row(rows: Rows, handler: Handler, row: dict[str, Any], origin: Origin) -> Problem | None:
    try:
        with rows.rec.row():
            fact = handler(rows, row, origin)
            if fact is not None and hasattr(fact, "kind"):
                fact.note = rows.text(row, "note")
                made = rows.text(row, "id")
                if made and made.startswith(MADE_ID):
                    rows.rec.local[made] = fact.id
    except RowError as exc:
        return Problem(origin.file, origin.sheet, origin.row, exc.column, exc.reason)
    except DuplicateKey:
        return Problem(
            origin.file,
            origin.sheet,
            origin.row,
            "id",
            "this id is already used for another row of this kind",
        )
    except CadenaError as exc:
        return Problem(origin.file, origin.sheet, origin.row, "", str(exc))
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
    ) as exc:  # a cell of a kind not foreseen
        return Problem(origin.file, origin.sheet, origin.row, "", f"could not be read ({exc})")
    return None


# -- template and export ----------------------------------------------------------------------


def instructions() -> list[list[str]]:
    """The instructions sheet: one row per sheet and column, what it means and an example."""
    rows = [
        [
            "",
            "",
            "",
            "Cadena researchers' sheet, format " + FORMAT_VERSION + ". One sheet per "
            "fact type; fill in what you know. Every row needs a confidence and either a source "
            "cited or an assumption named. Names may be written in any case and with or without "
            "accents; dates as 15/12/2022 (day first), 2022-12-15, 12/2022 or 2022.",
            "",
        ]
    ]
    for spec in SHEETS:
        rows.append([spec.name, "", "", spec.meaning, ""])
        for c in spec.columns:
            rows.append([spec.name, c.name, "required" if c.required else "", c.meaning, c.example])
    return rows


def write_template(out: str | Path) -> list[Path]:
    """An empty sheet set with an instructions sheet: CSV files in folder `out`, or one XLSX
    workbook if `out` ends in `.xlsx`."""
    tables: list[tuple[str, list[str], list[list[str]]]] = [
        ("instructions", ["sheet", "column", "required", "meaning", "example"], instructions())
    ]
    tables += [(spec.name, [c.name for c in spec.columns], []) for spec in SHEETS]
    return write_tables(Path(out), tables)


def export_sheet(case: Case, out: str | Path, *, include_sensitive: bool = False) -> list[Path]:
    """Every live fact in the researchers' format (ids are keys, or `F<id>` where none was
    given); citations go to the citations sheet. Victims' names and contacts only when
    `include_sensitive`."""
    with case.session(write=False) as s:
        tables = SheetWriter(s, include_sensitive).tables()
    return write_tables(Path(out), tables)


def made_ids(s: Session) -> dict[int, str]:
    """Each fact's key, or for a fact without one an id made from what it states (`~` and ten
    hex digits of the hash of its snapshot), so the same facts get the same ids in every case
    and a sheet exported again after a round trip is the same sheet."""
    import hashlib

    from cadena.db import canonical_json
    from cadena.facts.export import fact_records

    keys: dict[int, str] = {}
    records: dict[int, dict[str, Any]] | None = None
    seen: dict[str, int] = {}
    for i, k in s.execute(select(m.Fact.id, m.Fact.key).order_by(m.Fact.id)):
        if k:
            keys[i] = k
            continue
        if records is None:
            records = fact_records(s)
        record = records.get(i)
        if record is None:  # merged away: not exported, only referred to
            keys[i] = f"{MADE_ID}{i}"
            continue
        digest = hashlib.sha256(canonical_json(record).encode()).hexdigest()[:10]
        seen[digest] = seen.get(digest, 0) + 1
        keys[i] = MADE_ID + digest + (f"-{seen[digest]}" if seen[digest] > 1 else "")
    return keys


class SheetWriter:
    def __init__(self, s: Session, include_sensitive: bool) -> None:
        self.s, self.sensitive = s, include_sensitive
        self.keys = made_ids(s)
        self.cites: list[list[Any]] = []
        self.items: dict[str, str] = {}
        # Read once, not once per fact: a national force is hundreds of thousands of facts.
        self.citations: dict[int, list[m.Citation]] = defaultdict(list)
        for c in s.execute(select(m.Citation).order_by(m.Citation.id)).scalars():
            self.citations[c.fact_id].append(c)
        self.alias: dict[int, list[str]] = defaultdict(list)
        for i, name in s.execute(
            select(m.Name.fact_id, m.Name.name).where(m.Name.is_alias.is_(True)).order_by(m.Name.id)
        ):
            self.alias[i].append(name)
        self.party: dict[tuple[int, str], list[int | None]] = defaultdict(list)
        for p in s.execute(select(m.Party).order_by(m.Party.id)).scalars():
            self.party[(p.fact_id, p.role)].append(p.person_id or p.unit_id or p.post_id)

    def k(self, fid: int | None) -> str:
        return self.keys[fid] if fid is not None else ""

    def facts(self, model: type[m.Fact]) -> list[Any]:
        return list(
            self.s.execute(
                select(model).where(model.merged_into.is_(None)).order_by(model.id)
            ).scalars()
        )

    def common(self, sheet: str, f: m.Fact) -> list[Any]:
        for c in self.citations.get(f.id, []):
            self.items.setdefault(c.item_sha256, "S" + c.item_sha256[:12])
            self.cites.append(
                [
                    sheet,
                    self.k(f.id),
                    self.items[c.item_sha256],
                    _locator_text(c.locator),
                    c.quote,
                    c.reference,
                ]
            )
        return [
            f.start_date,
            f.end_date,
            f.first_cited,
            f.last_cited,
            "",
            "",
            f.confidence,
            f.assumption,
            f.note,
        ]

    def aliases(self, fid: int) -> str:
        return "; ".join(self.alias.get(fid, []))

    def parties(self, fid: int, role: str) -> str:
        return "; ".join(self.k(i) for i in self.party.get((fid, role), []))

    def tables(self) -> list[tuple[str, list[str], list[list[Any]]]]:
        body: dict[str, list[list[Any]]] = {}
        for spec in SHEETS:
            if spec.name in ("sources", "citations"):
                continue
            body[spec.name] = [
                [self.k(f.id), *self.fields(spec.name, f), *self.common(spec.name, f)]
                for f in self.facts(_MODEL[spec.name])
            ]
        sources = [[sid, sha, "", self._title(sha)] for sha, sid in self.items.items()]
        out = [("sources", [c.name for c in SPECS["sources"].columns], sources)]
        for spec in SHEETS:
            if spec.name in body:
                out.append((spec.name, [c.name for c in spec.columns], body[spec.name]))
        out.append(("citations", [c.name for c in SPECS["citations"].columns], self.cites))
        return out

    def _title(self, sha: str) -> str:
        from cadena.vault.models import Source

        name = self.s.execute(
            select(Source.original_name).where(Source.item_sha256 == sha).order_by(Source.id)
        ).scalar()
        return name or ""

    def fields(self, sheet: str, f: Any) -> list[Any]:
        k = self.k
        if sheet == "units":
            return [f.name, self.aliases(f.id), f.force, f.country, f.classification]
        if sheet == "unit_links":
            return [k(f.child_id), k(f.parent_id), f.line]
        if sheet == "persons":
            return [f.name, self.aliases(f.id), f.description]
        if sheet == "ranks":
            return [k(f.person_id), f.rank]
        if sheet == "posts":
            return [k(f.unit_id), f.title, f.role, "yes" if f.head else "no"]
        if sheet == "tenures":
            return [k(f.person_id), k(f.post_id), "", ""]
        if sheet == "orders":
            units = self.s.execute(
                select(m.OrderUnit.unit_id)
                .where(m.OrderUnit.order_id == f.id)
                .order_by(m.OrderUnit.unit_id)
            ).scalars()
            return [
                f.title,
                f.order_kind,
                k(f.issued_by_post_id),
                k(f.issued_by_person_id),
                "; ".join(k(u) for u in units),
                _yes_no(f.firearms_authorised),
                f.lethal_force_conditions,
                f.who_may_order_fire,
                "; ".join(f.labels or []),
                f.operation,
                k(f.renews_id),
            ]
        if sheet == "deployments":
            area = json.dumps(f.area, ensure_ascii=False) if f.area is not None else ""
            return [
                k(f.unit_id), f.place, f.lat, f.lon, f.uncertainty_m, f.operation, k(f.plan_id),
                area,
            ]  # fmt: skip
        if sheet == "incidents":
            return [
                f.title,
                f.incident_kind,
                f.place,
                f.lat,
                f.lon,
                f.uncertainty_m,
                f.killed,
                f.injured,
                f.detained,
                "; ".join(f.weapons or []),
                "; ".join(f.ammunition or []),
                f.description,
            ]
        if sheet == "victims":
            ident = self.s.get(m.VictimIdentity, f.id) if self.sensitive else None
            return [
                k(f.incident_id),
                f.pseudonym,
                f.harm,
                f.age,
                f.gender,
                ident.name if ident else "",
                ident.contact if ident else "",
                ident.note if ident else "",
            ]
        if sheet == "attributions":
            return [k(f.incident_id), k(f.unit_id), k(f.person_id), f.basis]
        if sheet == "communications":
            return [
                f.communication_kind,
                self.parties(f.id, "from"),
                self.parties(f.id, "to"),
                f.channel,
                f.summary,
                k(f.incident_id),
            ]
        if sheet == "meetings":
            return [f.subject, self.parties(f.id, "attendee"), k(f.incident_id)]
        if sheet == "statements":
            return [
                f.statement_kind,
                self.parties(f.id, "speaker"),
                self.parties(f.id, "about"),
                f.summary,
                k(f.incident_id),
            ]
        if sheet == "measures":
            return [
                f.measure_kind,
                self.parties(f.id, "decided_by"),
                self.parties(f.id, "about"),
                f.summary,
                k(f.incident_id),
            ]
        raise AssertionError(sheet)


_MODEL: dict[str, type[m.Fact]] = {
    "units": m.Unit, "unit_links": m.UnitLink, "persons": m.Person, "ranks": m.Rank,
    "posts": m.Post, "tenures": m.Tenure, "orders": m.Order, "deployments": m.Deployment,
    "incidents": m.Incident, "victims": m.Victim, "attributions": m.Attribution,
    "communications": m.Communication, "meetings": m.Meeting, "statements": m.Statement,
    "measures": m.Measure,
}  # fmt: skip


def _yes_no(v: bool | None) -> str:
    return "" if v is None else ("yes" if v else "no")


def _locator_text(locator: dict[str, Any]) -> str:
    text = describe_locator(locator)
    if parse_locator(text) == locator:
        return text
    return json.dumps(locator, ensure_ascii=False, sort_keys=True)

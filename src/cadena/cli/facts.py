"""Commands of the facts phase: query, import, export, template, duplicates, merge.

Thin: parse, call `cadena.facts`, render. `--json` prints the library's answers as they are
(`as_dict()`), so the keys are those documented in docs/facts.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cadena.cli.common import CaseOption, JsonOption, case_from, emit_json, err, out, user_errors
from cadena.errors import CadenaError
from cadena.facts import queries
from cadena.facts.time import ALL_BASES, STRICT_BASES, Basis
from cadena.vault.case import Case

query_app = typer.Typer(
    help="Ask the record: commander, chain, deployed, timeline.", no_args_is_help=True
)
import_app = typer.Typer(help="Bring facts in: sheet, sfm, popolo, ftm.", no_args_is_help=True)

OnOption = Annotated[str, typer.Option("--on", help="The date (2022-12-15, 15/12/2022, 2022-12).")]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", help="Use only dates on record (known, or between cited dates); no open ends."
    ),
]

# FORMAT -> writer(case, out, include_sensitive) -> summary. Later phases add theirs (bagit).
EXPORTERS: dict[str, Callable[[Case, Path, bool], dict[str, Any]]] = {}


def register(app: typer.Typer) -> None:
    app.add_typer(query_app, name="query")
    app.add_typer(import_app, name="import")
    app.command("export")(export)
    app.command()(template)
    app.command()(duplicates)
    app.command()(merge)


def _date(text: str) -> str:
    from cadena.facts.time import parse_loose

    d = parse_loose(text)
    if d is None:
        raise CadenaError("Give a date: 2022-12-15, 15/12/2022, 2022-12 or 2022.")
    return d.iso()


def _bases(strict: bool) -> frozenset[Basis]:
    return STRICT_BASES if strict else ALL_BASES


# -- query -----------------------------------------------------------------------------------


@query_app.command()
@user_errors
def commander(
    unit: Annotated[str, typer.Argument(help="Unit: id, key, name or alias.")],
    on: OnOption,
    strict: StrictOption = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Who commanded a unit on a date, with the tenure's citations and the assumption used."""
    c = case_from(case)
    with c.session(write=False) as s:
        ans = queries.commander(s, unit, _date(on), bases=_bases(strict))
    if json_:
        emit_json(ans.as_dict())
        return
    out.print(f"[bold]{ans.unit.name}[/] on {ans.on}")
    for h in ans.holders:
        _holder_line(h, "  ")
    if ans.note:
        out.print(f"  {ans.note}")


def _holder_line(h: queries.Holder, indent: str) -> None:
    cites = ", ".join(_cite(x) for x in h.tenure.citations) or f"assumption: {h.tenure.assumption}"
    out.print(
        f"{indent}{h.person.name} — {h.post.name} ({h.role}), confidence {h.tenure.confidence}",
        highlight=False,
    )
    out.print(f"{indent}  {h.assumption}", highlight=False)
    out.print(f"{indent}  rests on: {cites}", highlight=False)


def _cite(c: Any) -> str:
    from cadena.facts.citations import describe_locator

    where = describe_locator(c.locator)
    return f"{c.item[:12]}" + (f" {where}" if where else "")


@query_app.command()
@user_errors
def chain(
    unit: Annotated[str, typer.Argument(help="Unit: id, key, name or alias.")],
    on: OnOption,
    line: Annotated[
        list[str] | None,
        typer.Option(help="Lines to follow (repeat): administrative, operational, informal."),
    ] = None,
    strict: StrictOption = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Every unit above a unit on a date, on the administrative and operational lines, to the
    top, with each one's commanders."""
    c = case_from(case)
    with c.session(write=False) as s:
        ans = queries.chain(
            s, unit, _date(on), lines=line or queries.DEFAULT_LINES, bases=_bases(strict)
        )
    if json_:
        emit_json(ans.as_dict())
        return
    out.print(f"Chain of command of [bold]{ans.unit.name}[/] on {ans.on}")
    for node in ans.nodes:
        below = [f"{lk.child.name}, {lk.line}" for lk in ans.links if lk.parent.id == node.unit.id]
        via = f" (above {'; '.join(below)})" if below else ""
        out.print(f"{'  ' * node.depth}[bold]{node.unit.name}[/]{via}", highlight=False)
        for h in node.commanders.holders:
            _holder_line(h, "  " * node.depth + "  ")
        if node.commanders.note:
            out.print(f"{'  ' * node.depth}  {node.commanders.note}", highlight=False)
    if ans.assumptions:
        out.print("Assumptions used:")
        for a in ans.assumptions:
            out.print(f"  - {a}", highlight=False)


@query_app.command()
@user_errors
def deployed(
    place: Annotated[str | None, typer.Option(help="Place name (part of it).")] = None,
    near: Annotated[str | None, typer.Option(help="LAT,LON of a point.")] = None,
    radius: Annotated[float, typer.Option(help="Metres around --near.")] = 1000.0,
    from_: Annotated[str, typer.Option("--from", help="First date.")] = "",
    to: Annotated[str | None, typer.Option(help="Last date (default --from).")] = None,
    strict: StrictOption = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Units deployed at a place (or near a point) at any time between two dates."""
    if not from_:
        raise typer.BadParameter("give --from DATE")
    point = None
    if near:
        try:
            lat, lon = (float(x) for x in near.split(","))
        except ValueError:
            raise typer.BadParameter("--near takes LAT,LON, e.g. 4.6097,-74.0817") from None
        point = (lat, lon)
    c = case_from(case)
    with c.session(write=False) as s:
        ans = queries.deployed(
            s,
            place,
            _date(from_),
            _date(to) if to else None,
            near=point,
            radius_m=radius,
            bases=_bases(strict),
        )
    if json_:
        emit_json(ans.as_dict())
        return
    table = Table("unit", "place", "operation", "basis", "citations")
    for h in ans.hits:
        table.add_row(
            h.unit.name,
            h.place,
            h.operation or "",
            h.assumption,
            ", ".join(_cite(x) for x in h.fact.citations),
        )
    out.print(table)
    if not ans.hits:
        out.print(f"No deployment on record there for {ans.window}.")


@query_app.command()
@user_errors
def timeline(
    subject: Annotated[str, typer.Argument(help="Person or unit: id, key, name.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Everything on record about a person or a unit, in date order."""
    c = case_from(case)
    with c.session(write=False) as s:
        ans = queries.timeline(s, subject)
    if json_:
        emit_json(ans.as_dict())
        return
    out.print(f"[bold]{ans.subject.name}[/] ({ans.subject.kind})")
    table = Table("date", "as", "what", "confidence", "citations")
    for e in ans.entries:
        table.add_row(
            e.date or "undated",
            e.role,
            e.summary,
            e.fact.confidence,
            ", ".join(_cite(x) for x in e.fact.citations) or (e.fact.assumption or ""),
        )
    out.print(table)


# -- import / export / template ----------------------------------------------------------------


def _report_import(report: Any, json_: bool) -> None:
    if json_:
        emit_json(report.as_dict())
        return
    for name, n in report.counts.items():
        out.print(f"  {name}: {n}")
    for w in report.warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)


def _import_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A refused import prints every problem (or lists them in --json) and exits 1."""
    import functools

    from cadena.facts.sheet import ImportRefused

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ImportRefused as exc:
            if kwargs.get("json_"):
                emit_json({"imported": False, "problems": [p.__dict__ for p in exc.problems]})
            else:
                err.print(f"[bold red]refused:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def _run_import(run: Callable[..., Any], json_: bool, *args: Any, **kw: Any) -> None:
    """Run an importer with a progress bar (rows read, then rows written) on a terminal."""
    from cadena.cli.common import count_progress

    with count_progress(not json_) as bar:
        task = bar.add_task("reading", total=None)

        def progress(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        report = run(*args, progress=progress, **kw)
    _report_import(report, json_)


@import_app.command("sheet")
@user_errors
@_import_errors
def import_sheet(
    path: Annotated[Path, typer.Argument(help="Folder of CSV files or XLSX.")],
    month_first: Annotated[
        bool, typer.Option(help="Read 05/06/2022 as May 6 (default: day first).")
    ] = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Import the researchers' sheet, all or nothing."""
    from cadena.facts.sheet import import_sheet as run

    _run_import(run, json_, case_from(case), path, dayfirst=not month_first)


@import_app.command("sfm")
@user_errors
@_import_errors
def import_sfm(
    path: Annotated[Path, typer.Argument(help="SFM CSV folder or XLSX workbook.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Import a Security Force Monitor dataset, all or nothing."""
    from cadena.facts.sfm import import_sfm as run

    _run_import(run, json_, case_from(case), path)


@import_app.command("popolo")
@user_errors
@_import_errors
def import_popolo(
    path: Annotated[Path, typer.Argument(help="Popolo JSON file.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Import Popolo JSON (persons, organizations, memberships, posts), all or nothing."""
    from cadena.facts.popolo import import_popolo as run

    _run_import(run, json_, case_from(case), path)


@import_app.command("ftm")
@user_errors
@_import_errors
def import_ftm(
    path: Annotated[Path, typer.Argument(help="FollowTheMoney entities, one JSON per line.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Import FollowTheMoney entities (as `cadena export ftm` writes them, or from other FtM
    tools), each checked against the followthemoney model, all or nothing."""
    from cadena.facts.ftm import import_ftm as run

    _run_import(run, json_, case_from(case), path)


@user_errors
def export(
    fmt: Annotated[
        str, typer.Argument(metavar="FORMAT", help="sheet, popolo, ftm, geojson, csv or bagit.")
    ],
    dest: Annotated[Path, typer.Argument(metavar="OUT", help="File or folder to write.")],
    include_sensitive: Annotated[
        bool, typer.Option(help="Include victims' names and contacts (sheet and csv).")
    ] = False,
    incident: Annotated[
        str | None, typer.Option(help="bagit: only what one incident rests on (key, title or id).")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Write the facts in an exchange format, or the court package (bagit)."""
    if fmt.lower() == "bagit":
        summary = _bagit(case_from(case), dest, include_sensitive, incident)
        if json_:
            emit_json({"format": "bagit", "out": str(dest), **summary})
        else:
            out.print(f"Court package written to {dest}: {summary}", highlight=False)
        return
    if incident is not None:
        raise CadenaError("--incident applies to the bagit court package only.")
    writer = _exporters().get(fmt.lower())
    if writer is None:
        raise CadenaError(
            f"{fmt!r} is not an export format: use one of {', '.join(sorted(_exporters()))}."
        )
    summary = writer(case_from(case), dest, include_sensitive)
    if json_:
        emit_json({"format": fmt.lower(), "out": str(dest), **summary})
    else:
        out.print(
            f"Wrote {fmt.lower()} to {dest}: " + ", ".join(f"{k} {v}" for k, v in summary.items()),
            highlight=False,
        )


def _bagit(c: Case, dest: Path, sensitive: bool, incident: str | None) -> dict[str, Any]:
    """The court package: originals, derivatives, custody, facts, and the dossier in both
    languages, built from the same case."""
    import tempfile

    from cadena.publish.dossier import write_dossier
    from cadena.publish.dossier.build import build
    from cadena.publish.package import export_bag

    with tempfile.TemporaryDirectory() as tmp:
        built = build(c)
        for lang in ("en", "es"):
            write_dossier(c, Path(tmp), lang=lang, dossier=built)
        packed = export_bag(
            c, dest, incident=incident, include_sensitive=sensitive, dossier=Path(tmp)
        )
    return {
        "items": packed.items,
        "derivatives": packed.derivatives,
        "citations": packed.citations,
        "files": packed.files,
    }


def _exporters() -> dict[str, Callable[[Case, Path, bool], dict[str, Any]]]:
    from cadena.facts import export as ex
    from cadena.facts import sheet

    def popolo(c: Case, p: Path, _sens: bool) -> dict[str, Any]:
        from cadena.facts.popolo import export_popolo

        return {"counts": export_popolo(c, p)}

    built: dict[str, Callable[[Case, Path, bool], dict[str, Any]]] = {
        "sheet": lambda c, p, sens: {
            "files": [str(x) for x in sheet.export_sheet(c, p, include_sensitive=sens)]
        },
        "ftm": lambda c, p, _s: {"entities": ex.export_ftm(c, p)},
        "geojson": lambda c, p, _s: {"features": ex.export_geojson(c, p)},
        "csv": lambda c, p, sens: {
            "files": [str(x) for x in ex.export_csv(c, p, include_sensitive=sens)]
        },
        "popolo": popolo,
    }
    return {**built, **EXPORTERS}


@user_errors
def template(
    dest: Annotated[
        Path, typer.Argument(metavar="OUT", help="Folder for CSV files, or a file ending in .xlsx.")
    ],
    json_: JsonOption = False,
) -> None:
    """Write an empty researchers' sheet with instructions."""
    from cadena.facts.sheet import write_template

    if dest.exists() and (dest.is_file() or any(dest.iterdir())):
        raise CadenaError(f"{dest} exists and is not empty; give a new path.")
    files = write_template(dest)
    if json_:
        emit_json({"files": [str(f) for f in files]})
    else:
        out.print(f"Template written: {dest} ({len(files)} file(s)); read the instructions sheet.")


# -- duplicates and merges -------------------------------------------------------------------


@user_errors
def duplicates(
    kind: Annotated[str | None, typer.Option(help="person or unit.")] = None,
    threshold: Annotated[float, typer.Option(help="Similarity 0-100.")] = 88.0,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """List likely duplicate persons and units, for a person to merge (never merged here)."""
    from cadena.facts.dedupe import find_duplicates

    c = case_from(case)
    kinds = [kind] if kind else ["person", "unit"]
    with c.session(write=False) as s:
        pairs = [p for k in kinds for p in find_duplicates(s, k, threshold=threshold)]
    if json_:
        emit_json([p.as_dict() for p in pairs])
        return
    table = Table("kind", "a", "b", "score", "why")
    for p in pairs:
        table.add_row(
            p.kind, f"#{p.a.id} {p.a.name}", f"#{p.b.id} {p.b.name}", f"{p.score:.0f}", p.reason
        )
    out.print(table)
    if pairs:
        out.print("Merge with: cadena merge KEEP OTHER --kind KIND (undo: cadena merge --undo N)")


@user_errors
def merge(
    keep: Annotated[str | None, typer.Argument(help="The one to keep.")] = None,
    other: Annotated[str | None, typer.Argument(help="The one merged into it.")] = None,
    kind: Annotated[str, typer.Option(help="person or unit.")] = "person",
    reason: Annotated[str | None, typer.Option(help="Why they are the same.")] = None,
    undo: Annotated[int | None, typer.Option(help="Undo merge number N.")] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Merge two persons or units (reversible, logged in custody), or undo a merge."""
    from cadena.facts import dedupe

    c = case_from(case)
    if undo is not None:
        result = dedupe.unmerge(c, undo)
    elif keep and other:
        result = dedupe.merge(c, kind, keep, other, reason=reason)
    else:
        raise typer.BadParameter("give KEEP and OTHER, or --undo N")
    if json_:
        emit_json(result)
    else:
        out.print(result["message"], highlight=False)

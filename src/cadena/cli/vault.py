"""Commands of the foundation: init, add, show, log, verify."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape as esc
from rich.table import Table

from cadena.cli.common import (
    CaseOption,
    JsonOption,
    byte_progress,
    case_from,
    emit_json,
    out,
    user_errors,
)
from cadena.cli.common import out as out_console
from cadena.intake.files import SourceFields, walk

if TYPE_CHECKING:
    from cadena.intake.archives import Expansion
from cadena.vault import inspect
from cadena.vault.case import Case
from cadena.vault.verify import verify as verify_case


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(add)
    app.command()(show)
    app.command()(log)
    app.command()(verify)
    app.command()(demo)


@user_errors
def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new case (new or empty).")],
    name: Annotated[
        str | None, typer.Option(help="Case name (default: the folder's name).")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Start a case: database, blob store and signing key in a folder of its own."""
    case = Case.init(path, name)
    info = {
        "case": str(case.config.root),
        "name": case.config.name,
        "database": "sqlite" if case.config.database_url.startswith("sqlite") else "postgresql",
        "blobs": case.config.blob_url,
        "public_key": str(case.config.public_key_path),
    }
    if json_:
        emit_json(info)
    else:
        out.print(f"Case [bold]{esc(info['name'])}[/] created in {esc(info['case'])}")
        out.print(f"Public key for outside checks: {esc(info['public_key'])}")


@user_errors
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to preserve.")],
    source_url: Annotated[str | None, typer.Option(help="Where it was found online.")] = None,
    platform: Annotated[
        str | None, typer.Option(help="Platform (e.g. WhatsApp, X, TikTok).")
    ] = None,
    account: Annotated[str | None, typer.Option(help="Account that posted or sent it.")] = None,
    posted_at: Annotated[str | None, typer.Option(help="When it was posted (ISO 8601).")] = None,
    collected_by: Annotated[str | None, typer.Option(help="Who collected it.")] = None,
    method: Annotated[str | None, typer.Option(help="How it was obtained.")] = None,
    consent: Annotated[str | None, typer.Option(help="Consent given by the provider.")] = None,
    note: Annotated[str | None, typer.Option(help="Anything else about this delivery.")] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Preserve files and folders as items, with where they came from."""
    from cadena.documents.batch import on_items_added
    from cadena.intake.archives import add_and_expand

    c = case_from(case)
    fields = SourceFields(
        url=source_url,
        platform=platform,
        account=account,
        posted_at=posted_at,
        collected_by=collected_by,
        method=method,
        consent=consent,
        note=note,
    )
    with byte_progress(not json_) as bar:
        total = sum(_size(p) for p, reason in walk(paths) if not reason) if not bar.disable else 0
        task = bar.add_task("preserving", total=total or None)

        def advance(shown: str, n: int) -> None:
            bar.update(task, advance=n, description=shown[-50:])

        summary, expansions = add_and_expand(c, paths, fields, advance if not bar.disable else None)
    new = [o.sha256 for o in summary.outcomes if o.status == "added" and o.sha256]
    new += [
        o.sha256 for e in expansions for o in e.all_outcomes() if o.status == "added" and o.sha256
    ]
    documents = on_items_added(c, new)
    result = summary.as_dict()
    result["expanded"] = [e.as_dict() for e in expansions]
    result["documents_read"] = len(documents)
    if json_:
        emit_json(result)
    else:
        for o in summary.outcomes:
            if o.status == "refused":
                out.print(f"[red]refused[/] {esc(o.path)}: {esc(str(o.reason))}", highlight=False)
        for e in expansions:
            _print_expansion(e)
        out.print(
            f"{result['added']} added, {result['already_present']} already present, "
            f"{result['new_source']} new source(s) for items already held, "
            f"{result['refused']} refused"
        )
    raise typer.Exit(1 if result["refused"] else 0)


@user_errors
def show(
    item: Annotated[
        str | None, typer.Argument(help="SHA-256 or prefix; omit to list items.")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """An item with its sources, metadata, derivatives and custody; or the list of items."""
    c = case_from(case)
    if item is None:
        rows = inspect.list_items(c)
        if json_:
            emit_json(rows)
            return
        table = Table("sha256", "kind", "type", "size", "sources", "added_at")
        for r in rows:
            table.add_row(
                r["sha256"][:16],
                r["kind"],
                r["media_type"],
                str(r["size"]),
                str(r["sources"]),
                r["added_at"],
            )
        out.print(table)
        return
    from cadena.cli.verifying import print_verification
    from cadena.verify import reviews

    record = inspect.item_record(c, item)
    record["verification"] = reviews.report(c, record["sha256"])
    if json_:
        emit_json(record)
    else:
        _print_item(record)
        print_verification(record["verification"])


def _print_item(r: dict[str, Any]) -> None:
    out.print(f"[bold]Item[/] {r['sha256']}  {r['kind']}  {r['media_type']}  {r['size']} bytes")
    for s in r["sources"]:
        shown = {k: v for k, v in s.items() if v not in (None, {}, "") and k not in ("key",)}
        out.print(
            f"  [bold]source[/] #{shown.pop('id')}: "
            + esc(", ".join(f"{k}={v}" for k, v in shown.items())),
            highlight=False,
        )
    md = r["metadata"] or {}
    for k, v in (md.get("normalized") or {}).items():
        out.print(f"  {k}: {esc(str(v))}", highlight=False)
    for p in md.get("problems") or []:
        out.print(f"  [yellow]could not read:[/] {esc(str(p))}", highlight=False)
    for d in r["derivatives"]:
        out.print(
            f"  [bold]derivative[/] {d['kind']} {d['sha256'][:16]} "
            f"by {d['tool']} {d['tool_version']}"
        )
    for e in r["custody"]:
        out.print(f"  [dim]#{e['seq']} {e['at']} {e['action']} by {esc(e['actor'])}[/]")


@user_errors
def log(
    item: Annotated[str | None, typer.Argument(help="Only entries about this item.")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Every field as JSON lines, for check_custody.py --log.")
    ] = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """The custody log: who did what to which item, when; each entry chained and signed."""
    c = case_from(case)
    entries = inspect.custody_entries(c, item)
    if jsonl:
        for e in entries:
            print(json.dumps(e, ensure_ascii=False))
    elif json_:
        emit_json(entries)
    else:
        table = Table("#", "at", "action", "item", "actor", "details")
        for e in entries:
            table.add_row(
                str(e["seq"]),
                e["at"],
                e["action"],
                (e["item_sha256"] or "")[:12],
                e["actor"],
                e["details"][:80],
            )
        out.print(table)


@user_errors
def verify(case: CaseOption = None, json_: JsonOption = False) -> None:
    """Re-hash every file, walk the custody chain, check signatures; exit 1 on any finding."""
    c = case_from(case)
    with byte_progress(not json_) as bar:
        task = bar.add_task("re-hashing", total=None)
        report = verify_case(
            c, None if bar.disable else lambda n, t: bar.update(task, completed=n, total=t)
        )
    if json_:
        emit_json(report.as_dict())
    else:
        for f in report.findings:
            out.print(f"[red]{f.kind}[/] at {esc(f.place)}: {esc(f.detail)}", highlight=False)
        for n in report.notes:
            out.print(f"[yellow]note:[/] {esc(n)}", highlight=False)
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in report.counts.items())
        verdict = (
            "[green]intact[/]" if report.clean else f"[red]{len(report.findings)} finding(s)[/]"
        )
        out.print(f"{verdict}: {counts}")
    raise typer.Exit(0 if report.clean else 1)


def _print_expansion(e: Expansion) -> None:
    held = sum(1 for o in e.all_outcomes() if o.status in ("added", "new_source"))
    if e.status == "refused":
        out.print(f"[red]not expanded[/] {e.archive[:12]}: {esc(str(e.reason))}", highlight=False)
    elif e.chat:
        out.print(
            f"{e.chat.get('platform', 'chat')} export “{e.chat.get('chat', '')}”: "
            f"{held} file(s) preserved with sender and time",
            highlight=False,
        )
    else:
        out.print(
            f"archive {e.archive[:12]} ({e.format}): {held} member(s) preserved", highlight=False
        )


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


@user_errors
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the training case.")] = Path("cadena-demo"),
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also write the PDF dossier.")] = True,
    open_: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the dossier in a browser at the end.")
    ] = True,
    json_: JsonOption = False,
) -> None:
    """Build the fictional training case: evidence preserved, verified and analysed, a dossier
    and a court package written."""
    import webbrowser

    from cadena import demo as training

    def say(line: str) -> None:
        if not json_:
            out_console.print(f"[green]•[/] {esc(line)}", highlight=False)

    d = training.run(out, say, pdf=pdf)
    assert d.case is not None
    if json_:
        emit_json({"case": str(d.case.config.root), **d.results})
        return
    out_console.print("\nThe witness's video, as preserved and reviewed:")
    show(item=d.results["video"], case=d.case.config.root, json_=False)
    root = d.case.config.root
    html = d.results["dossier"][0]["html"]
    out_console.print(f"\nDossier: [bold]{esc(html)}[/]")
    out_console.print(
        f"Next: [bold]cadena analyze chain DEMO-I1 --case {esc(str(root))}[/], "
        f"[bold]cadena search terroristas --case {esc(str(root))}[/], "
        f"[bold]cadena log --case {esc(str(root))}[/]"
    )
    if open_ and out_console.is_terminal:
        webbrowser.open(Path(html).resolve().as_uri())

"""Commands of the documents phase: text, search, quote."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from cadena.cli.common import (
    CaseOption,
    JsonOption,
    case_from,
    count_progress,
    emit_json,
    out,
    user_errors,
)
from cadena.documents import search as search_mod
from cadena.documents.batch import read_items
from cadena.documents.models import PageText
from cadena.documents.quote import passages
from cadena.documents.quote import quote as quote_passage
from cadena.errors import CadenaError
from cadena.vault.case import Case

PROBLEMS = ("damaged", "encrypted")


def register(app: typer.Typer) -> None:
    app.command()(text)
    app.command()(search)
    app.command()(quote)


@user_errors
def text(
    items: Annotated[
        list[str] | None, typer.Argument(help="Items to read (default: all not yet read).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Read again items already read.")] = False,
    images: Annotated[
        bool, typer.Option(help="OCR image items too (each photo of the case takes seconds).")
    ] = True,
    page: Annotated[
        int | None, typer.Option(help="Print this page's text of the (one) ITEM.")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Read each page's text of document items (text layer, else OCR in Spanish and English)."""
    c = case_from(case)
    if page is not None:
        _print_page(c, items or [], page, json_)
        return
    with count_progress(not json_) as bar:
        task = bar.add_task("reading text", total=None)

        def advance(done: int, total: int, sha: str) -> None:
            bar.update(task, completed=done, total=total, description=f"items ({sha[:12]})")

        def on_page(done: int, total: int, sha: str) -> None:
            bar.update(task, description=f"{sha[:12]} page {done}/{total}")

        reports = read_items(c, items or [], force, advance, images, on_page)
    problems = [r for r in reports if r.status in PROBLEMS]
    if json_:
        emit_json(
            {
                "items": [r.as_dict() for r in reports],
                "read": len(reports),
                "problems": len(problems),
            }
        )
    else:
        table = Table("item", "status", "pages", "OCR pages", "detail")
        for r in reports:
            style = "red" if r.status in PROBLEMS else ""
            table.add_row(
                r.item[:12],
                f"[{style}]{r.status}[/]" if style else r.status,
                str(r.pages),
                str(r.ocr_pages),
                escape(r.detail or ""),
            )
        if reports:
            out.print(table)
        out.print(
            f"{len(reports)} item(s) read, {len(problems)} could not be read (kept as they are)."
            if reports
            else "Nothing new to read."
        )
    raise typer.Exit(1 if problems else 0)


def _print_page(c: Case, items: list[str], page: int, json_: bool) -> None:
    if len(items) != 1:
        raise CadenaError("--page needs exactly one ITEM: cadena text ITEM --page N")
    from sqlalchemy import select

    with c.session(write=False) as s:
        item = c.resolve_item(s, items[0])
        row = s.execute(
            select(PageText).where(PageText.item_sha256 == item.sha256, PageText.page == page)
        ).scalar_one_or_none()
        if row is None:
            raise CadenaError(
                f"No text for page {page} of {item.sha256[:12]}: run "
                f"`cadena text {item.sha256[:12]}`, and check the page number."
            )
        record = {
            "item": item.sha256,
            "page": page,
            "method": row.method,
            "language": row.language,
            "confidence": row.confidence,
            "note": row.note,
            "text": row.text,
            "text_sha256": row.text_sha256,
            "words_sha256": row.words_sha256,
        }
    if json_:
        emit_json(record)
    else:
        out.print(
            f"[dim]{item.sha256[:12]} page {page} · {row.method}"
            f"{' · ' + row.note if row.note else ''}[/]",
            highlight=False,
        )
        out.print(escape(row.text), highlight=False)


@user_errors
def search(
    query: Annotated[
        str | None, typer.Argument(help='Words, "phrases", prefix*, AND, OR, NOT, ( ).')
    ] = None,
    saved: Annotated[str | None, typer.Option(help="Run a saved search by name, or `all`.")] = None,
    list_saved: Annotated[
        bool, typer.Option("--list-saved", help="List the saved searches.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many hits (per search).")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many hits (paging).")] = 0,
    item: Annotated[str | None, typer.Option(help="Only in this item (SHA-256 or prefix).")] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Full-text search of the case's documents: accents and case ignored, Spanish stems."""
    c = case_from(case)
    known = search_mod.saved_searches(c)
    if list_saved:
        _list_saved(known, json_)
        return
    if (query is None) == (saved is None):
        raise CadenaError("Give a QUERY or --saved NAME (see --list-saved), not both.")
    if saved is not None and saved != "all" and saved not in known:
        raise CadenaError(f"No saved search {saved!r}; known: {', '.join(sorted(known))}.")
    if saved is None:
        results = search_mod.search(c, query or "", limit, offset, item)
        emit_json(results.as_dict()) if json_ else _print_results(results)
        return
    chosen = list(known.values()) if saved == "all" else [known[saved]]
    found = [(s, search_mod.search(c, s.query, limit, offset, item)) for s in chosen]
    if json_:
        emit_json(
            {
                "searches": [
                    {"name": s.name, "description": s.description, **r.as_dict()} for s, r in found
                ]
            }
        )
        return
    for s, r in found:
        out.print(f"[bold]{s.name}[/] — {escape(s.description)}", highlight=False)
        _print_results(r)


def _list_saved(known: dict[str, search_mod.Saved], json_: bool) -> None:
    if json_:
        emit_json(
            [
                {"name": s.name, "description": s.description, "query": s.query, "origin": s.origin}
                for s in known.values()
            ]
        )
        return
    table = Table("name", "description", "query", "from")
    for s in known.values():
        table.add_row(s.name, escape(s.description), escape(s.query), escape(s.origin))
    out.print(table)


def _print_results(results: search_mod.Results) -> None:
    for h in results.hits:
        where = f"p. {h.page}" if h.origin == "page" else h.origin
        line = Text.assemble((h.item[:12], "cyan"), f" {h.name or ''} {where}  ")
        snippet = Text(h.snippet)
        for a, b in h.highlights:
            snippet.stylize("bold yellow", a, b)
        out.print(line + snippet, highlight=False)
    more = results.total - len(results.hits)
    out.print(
        f"[dim]{results.total} hit(s)"
        + (f", {more} more with --offset" if more > 0 else "")
        + "[/]",
        highlight=False,
    )


@user_errors
def quote(
    item: Annotated[str | None, typer.Argument(help="The item (SHA-256 or prefix).")] = None,
    page: Annotated[int | None, typer.Option(help="Page number (1-based).")] = None,
    text_: Annotated[
        str | None, typer.Option("--text", help="The passage, as on the page.")
    ] = None,
    words: Annotated[str | None, typer.Option(help="Word-box range FIRST-LAST (0-based).")] = None,
    occurrence: Annotated[
        int, typer.Option(help="Which occurrence of --text on the page (1 = first).")
    ] = 1,
    list_: Annotated[bool, typer.Option("--list", help="List recorded passages.")] = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Record a passage of a page as a citation; refused (exit 1) if it is not on the page."""
    c = case_from(case)
    if list_:
        rows = passages(c, item)
        if json_:
            emit_json(rows)
        for r in [] if json_ else rows:
            out.print(
                f"#{r['quote']} [cyan]{r['item'][:12]}[/] p. {r['page']}: {escape(r['text'])}",
                highlight=False,
            )
        return
    if item is None or page is None:
        raise CadenaError('Give ITEM and --page N, with --text "…" or --words FIRST-LAST.')
    span = _word_range(words) if words else None
    p = quote_passage(c, item, page, text_, span, occurrence)
    if json_:
        emit_json({**p.locator(), "note": p.note})
        return
    out.print(
        f"Passage #{p.id} recorded: {p.item[:12]} p. {p.page}, characters {p.start}-{p.end}",
        highlight=False,
    )
    out.print(f"  “{escape(p.text)}”", highlight=False)
    if p.image_sha256:
        out.print(f"  highlighted page image: derivative {p.image_sha256[:12]}", highlight=False)
    if p.note:
        out.print(f"  [yellow]note:[/] {escape(p.note)}", highlight=False)


def _word_range(words: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", words)
    if not m:
        raise CadenaError(f"--words takes FIRST-LAST, e.g. 12-20; got {words!r}.")
    return int(m.group(1)), int(m.group(2))

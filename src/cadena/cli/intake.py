"""Commands of intake from the field: capture, import-chat, expand, timestamp."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape as esc
from rich.progress import Progress, TaskID

from cadena.cli.common import (
    CaseOption,
    JsonOption,
    byte_progress,
    case_from,
    emit_json,
    err,
    out,
    user_errors,
)
from cadena.errors import CadenaError
from cadena.intake import archives, chats, timestamps
from cadena.intake.capture import Options
from cadena.intake.capture import capture as capture_url
from cadena.intake.files import SourceFields, add_file
from cadena.vault.case import Case


def register(app: typer.Typer) -> None:
    app.command()(capture)
    app.command("import-chat")(import_chat)
    app.command()(expand)
    app.command()(timestamp)


CollectedBy = Annotated[str | None, typer.Option(help="Who collected it.")]
Note = Annotated[str | None, typer.Option(help="Anything else about this delivery.")]


@user_errors
def capture(
    urls: Annotated[list[str], typer.Argument(help="http(s) URLs to fetch and preserve.")],
    insecure: Annotated[
        bool, typer.Option(help="Keep it even if its TLS certificate cannot be verified.")
    ] = False,
    cafile: Annotated[
        Path | None, typer.Option(help="An extra certificate authority (PEM) to trust.")
    ] = None,
    media: Annotated[
        bool | None,
        typer.Option("--media/--no-media", help="Use yt-dlp for platform media (default: auto)."),
    ] = None,
    collected_by: CollectedBy = None,
    note: Note = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Fetch URLs: the body and a WARC (request, response, TLS certificates) become items."""
    c = case_from(case)
    options = Options(cafile=str(cafile) if cafile else None, insecure=insecure, media=media)
    fields = SourceFields(collected_by=collected_by, note=note)
    results = []
    for url in urls:
        if not json_:
            err.print(f"capturing {esc(url)} …", highlight=False)
        results.append(capture_url(c, url, fields, options))
    if json_:
        emit_json({"captures": [r.as_dict() for r in results]})
    else:
        for r in results:
            if r.status == "failed":
                out.print(f"[red]failed[/] {esc(r.url)}: {esc(r.reason or '')}", highlight=False)
                continue
            body = r.body.sha256[:16] if r.body and r.body.sha256 else "?"
            warc = r.warc.sha256[:16] if r.warc and r.warc.sha256 else "?"
            line = f"[green]captured[/] {r.url} → HTTP {r.http_status}, body {body}, WARC {warc}"
            out.print(line + (f" ({esc(r.reason)})" if r.reason else ""), highlight=False)
            for m in r.media:
                out.print(
                    f"  media via yt-dlp: {m.status} {esc(m.sha256 or m.reason or '')}",
                    highlight=False,
                )
    raise typer.Exit(1 if any(r.status == "failed" for r in results) else 0)


@user_errors
def import_chat(
    path: Annotated[Path, typer.Argument(help="A WhatsApp or Telegram export: zip or folder.")],
    tz: Annotated[
        str | None, typer.Option(help="IANA time zone of the phone that exported a WhatsApp chat.")
    ] = None,
    collected_by: CollectedBy = None,
    consent: Annotated[str | None, typer.Option(help="Consent given by the provider.")] = None,
    note: Note = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Preserve a chat export: each file an item, each media item with chat, sender and time."""
    c = case_from(case)
    fields = SourceFields(collected_by=collected_by, consent=consent, note=note)
    with byte_progress(not json_) as bar:
        task = bar.add_task("reading the export", total=None)
        result = import_chat_path(c, path, fields, tz, _advance(bar, task))
    render_expansions([result], json_)
    raise typer.Exit(1 if _problem(result) else 0)


def _advance(bar: Progress, task: TaskID) -> Callable[[int], None] | None:
    if bar.disable:
        return None
    return lambda n: bar.update(task, advance=n)


def import_chat_path(
    case: Case,
    path: Path,
    fields: SourceFields,
    tz: str | None,
    progress: Callable[[int], None] | None = None,
) -> archives.Expansion:
    """A chat export given as a folder or as a zip file."""
    if path.is_dir():
        return chats.import_folder(case, path, fields, tz=tz)
    if not path.is_file():
        raise CadenaError(f"{path} is neither a file nor a folder: give the export's zip or folder")
    outcome = add_file(case, path, fields)
    if outcome.status == "refused" or not outcome.sha256:
        raise CadenaError(f"{path} could not be preserved: {outcome.reason}")
    result = archives.expand(case, outcome.sha256, fields, name=path.name, tz=tz, progress=progress)
    if result.chat is None and result.status == "expanded":
        result.reason = "no chat log found in it: preserved and expanded as a plain archive"
    return result


def _parse_size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.I)
    if not m:
        raise CadenaError(f"{text!r} is not a size: write e.g. 500M or 20G")
    factor = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[m.group(2).upper()]
    return int(float(m.group(1)) * factor)


@user_errors
def expand(
    item: Annotated[str, typer.Argument(help="The archive item (SHA-256 or prefix).")],
    max_ratio: Annotated[float | None, typer.Option(help="Bytes out per archive byte.")] = None,
    max_total: Annotated[str | None, typer.Option(help="Total expanded size, e.g. 40G.")] = None,
    max_members: Annotated[int | None, typer.Option(help="Members in all.")] = None,
    max_depth: Annotated[int | None, typer.Option(help="Archives within archives.")] = None,
    tz: Annotated[str | None, typer.Option(help="Phone's time zone for a WhatsApp zip.")] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Expand an archive item held in the case (again, with other limits if it was refused)."""
    c = case_from(case)
    base = archives.Limits()
    limits = archives.Limits(
        max_members=max_members if max_members is not None else base.max_members,
        max_total_bytes=_parse_size(max_total) if max_total else base.max_total_bytes,
        max_member_bytes=max(base.max_member_bytes, _parse_size(max_total) if max_total else 0),
        max_ratio=max_ratio if max_ratio is not None else base.max_ratio,
        max_depth=max_depth if max_depth is not None else base.max_depth,
    )
    with c.session(write=False) as s:
        sha = c.resolve_item(s, item).sha256
    with byte_progress(not json_) as bar:
        task = bar.add_task("expanding", total=None)
        result = archives.expand(c, sha, limits=limits, tz=tz, progress=_advance(bar, task))
    if result.status == "not_archive":
        raise CadenaError(
            f"item {sha[:16]} is not an archive Cadena opens (zip, tar, gz, bz2, xz, 7z)"
        )
    render_expansions([result], json_)
    raise typer.Exit(1 if _problem(result) else 0)


@user_errors
def timestamp(
    tsa: Annotated[
        str | None,
        typer.Option(help="Timestamp authority URL (else $CADENA_TSA_URL / cadena.toml)."),
    ] = None,
    tsa_ca: Annotated[
        Path | None, typer.Option(help="The authority's certificate (PEM) tokens must chain to.")
    ] = None,
    check: Annotated[
        bool, typer.Option(help="Only re-check the tokens held; exit 1 on a finding.")
    ] = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Have a trusted authority (RFC 3161) timestamp the custody log's head; or check the tokens."""
    c = case_from(case)
    if check:
        findings = timestamps.check_timestamps(c)
        held = timestamps.list_timestamps(c)
        if json_:
            emit_json({"timestamps": held, "findings": [f.__dict__ for f in findings]})
        else:
            for f in findings:
                out.print(f"[red]{f.kind}[/] at {f.place}: {esc(f.detail)}", highlight=False)
            out.print(f"{len(held)} timestamp(s), {len(findings)} finding(s)")
        raise typer.Exit(1 if findings else 0)
    authority = timestamps.authority(c, tsa, tsa_ca)
    if authority is None:
        raise CadenaError(
            "no timestamp authority configured: pass --tsa URL, set CADENA_TSA_URL, or give "
            'cadena.toml a "timestamp" table with url = "https://…"'
        )
    row = timestamps.stamp_head(c, authority)
    info = {
        "id": row.id,
        "seq": row.seq,
        "entry_hash": row.entry_hash,
        "imprint": row.imprint,
        "tsa_url": row.tsa_url,
        "gen_time": row.gen_time,
        "serial": row.serial,
        "token_sha256": row.token_sha256,
    }
    if json_:
        emit_json(info)
    else:
        out.print(
            f"custody entry #{row.seq} ({row.entry_hash[:16]}…) timestamped by "
            f"{esc(row.tsa_url)} at {row.gen_time}, serial {row.serial}",
            highlight=False,
        )


def _problem(result: archives.Expansion) -> bool:
    return (
        result.status == "refused"
        or any(o.status == "refused" for o in result.all_outcomes())
        or any(n.status == "refused" for n in result.nested)
    )


def render_expansions(results: list[archives.Expansion], json_: bool) -> None:
    """Print what expansions and chat imports did (for `cadena add` too); JSON when asked."""
    if json_:
        emit_json({"expansions": [r.as_dict() for r in results]})
        return
    for r in results:
        _render_one(r, 0)


def _render_one(r: archives.Expansion, depth: int) -> None:
    pad = "  " * depth
    counts: dict[str, int] = {}
    for o in r.members:
        counts[o.status] = counts.get(o.status, 0) + 1
    what = r.archive[:16] if len(r.archive) == 64 else r.archive
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "no members"
    colour = "red" if r.status == "refused" else "green"
    out.print(f"{pad}[{colour}]{r.status}[/] {r.format} {esc(what)}: {summary}", highlight=False)
    if r.reason:
        out.print(f"{pad}  {esc(r.reason)}", highlight=False)
    if r.chat:
        chat: dict[str, Any] = r.chat
        out.print(
            f"{pad}  {chat['platform']} chat “{esc(str(chat['chat']))}”: "
            f"{chat['messages']} messages, "
            f"{chat['files_named']} files named; dates read as {chat['date_order']}",
            highlight=False,
        )
        for p in chat["problems"][:10]:
            out.print(f"{pad}  [yellow]note:[/] {esc(p)}", highlight=False)
    for o in r.members:
        if o.status == "refused":
            out.print(
                f"{pad}  [red]refused[/] {esc(o.path)}: {esc(o.reason or '')}", highlight=False
            )
    for n in r.nested:
        _render_one(n, depth + 1)

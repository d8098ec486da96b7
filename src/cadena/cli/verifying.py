"""Commands of the verification workbench: annotate, review, provenance, redact.

`--json` keys:
- annotate:   id, item, locator, citation_locator, text, links, created_at, created_by (a list
              of those when only listing)
- review:     the verification report (item, status, needs, warnings, reviewers, aspects,
              disagreements, history), plus `recorded` (the step just recorded, or null)
- provenance: item, media_type, sources, earliest_upload, copies, copies_note, origin, checks,
              inconsistent, tool, tool_version (exit 1 when a check is inconsistent)
- redact:     item, derivative, media_type, kind, boxes, frames, params, out
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cadena.cli.common import CaseOption, JsonOption, case_from, emit_json, err, out, user_errors
from cadena.errors import CadenaError

Refs = Annotated[list[str] | None, typer.Option(help="Id or name; repeat for several.")]


def register(app: typer.Typer) -> None:
    app.command()(annotate)
    app.command()(review)
    app.command()(provenance)
    app.command()(redact)
    app.command()(geolocate)


# -- annotate -------------------------------------------------------------------------------


@user_errors
def annotate(
    item: Annotated[str, typer.Argument(help="SHA-256 or prefix of the item.")],
    text: Annotated[str | None, typer.Option("--text", help="What is seen or heard there.")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="Time range START-END in seconds: 12.4-14.0.")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Region x,y,w,h in pixels from the top left.")
    ] = None,
    frame: Annotated[
        float | None, typer.Option("--frame", help="With --region on a video: the frame's time.")
    ] = None,
    page: Annotated[int | None, typer.Option("--page", help="Page of a document.")] = None,
    incident: Refs = None,
    unit: Refs = None,
    person: Refs = None,
    weapon: Refs = None,
    victim: Refs = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Record a statement about a place in an item (time range, region, page), the citation that
    facts point to; it may name incidents, units, persons, weapons and victims. Without --text
    and a place, list the item's annotations."""
    from cadena.verify import annotations as ann

    if text is None and at is None and region is None and page is None:
        _list_annotations(item, case, json_)
        return
    if text is None:
        raise CadenaError('an annotation says something: give --text "what is seen or heard"')
    loc = _locator(at, region, frame, page)
    pairs = [
        (kind, ref)
        for kind, refs in (
            ("incident", incident),
            ("unit", unit),
            ("person", person),
            ("weapon", weapon),
            ("victim", victim),
        )  # fmt: skip
        for ref in refs or []
    ]
    links = ann.make_links(pairs)
    c = case_from(case)
    with c.session() as s:
        a = ann.annotate(c, s, item, loc, text, links)
        record = {**ann.as_dict(a), "citation_locator": ann.locator(a)}
    if json_:
        emit_json(record)
        return
    out.print(
        f"annotation {record['id']} on {record['item'][:12]} at {ann.describe(record['locator'])}: "
        f"{record['text']}",
        highlight=False,
    )
    for link in record["links"]:
        out.print(f"  {link['kind']}: {link['ref']}", highlight=False)


def _list_annotations(item: str, case: Path | None, json_: bool) -> None:
    from cadena.verify import annotations as ann

    c = case_from(case)
    with c.session(write=False) as s:
        sha = c.resolve_item(s, item).sha256
        rows = [
            {**ann.as_dict(a), "citation_locator": ann.locator(a)}
            for a in ann.annotations_of(s, sha)
        ]
    if json_:
        emit_json(rows)
        return
    if not rows:
        out.print(f"no annotation on {sha[:12]} yet")
    for r in rows:
        links = ", ".join(f"{x['kind']} {x['ref']}" for x in r["links"])
        out.print(
            f"#{r['id']} {ann.describe(r['locator'])}: {r['text']}"
            + (f" [{links}]" if links else "")
            + f"  ({r['created_by']}, {r['created_at']})",
            highlight=False,
        )


def _locator(
    at: str | None, region: str | None, frame: float | None, page: int | None
) -> dict[str, Any]:
    from cadena.verify import annotations as ann

    if at is not None and (region is not None or frame is not None or page is not None):
        raise CadenaError("--at is a time range on its own; --frame and --page go with --region")
    if at is not None:
        return ann.time_range(*ann.parse_range(at))
    if region is not None:
        return ann.region(*ann.parse_box(region), frame_s=frame, page=page)
    if page is not None and frame is None:
        return ann.page(page)
    raise CadenaError("say where: give --at START-END, --region x,y,w,h [--frame T], or --page N")


# -- review ---------------------------------------------------------------------------------


@user_errors
def review(
    item: Annotated[str, typer.Argument(help="SHA-256 or prefix of the item.")],
    status: Annotated[
        str | None,
        typer.Option(
            "--status", help="in_review, verified, disputed or rejected; omit to show the report."
        ),
    ] = None,
    checked: Annotated[
        list[str] | None,
        typer.Option("--checked", help="What you checked: source,place,time,device,content."),
    ] = None,
    finding: Annotated[
        list[str] | None,
        typer.Option("--finding", help='What you found; "place: …" ties it to an aspect.'),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", help="Who reviews (default: $CADENA_ACTOR, user).")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Record your review of an item (what you checked, what you found, your verdict), or show
    its verification report. "verified" takes two independent reviewers."""
    from cadena.verify import reviews

    c = case_from(case)
    recorded = None
    if status is not None:
        findings = [reviews.parse_finding(f) for f in finding or []]
        with c.session() as s:
            r = reviews.record(c, s, item, status, checked or [], findings, reviewer)
            recorded = {"reviewer": r.reviewer, "verdict": r.verdict, "custody_seq": r.custody_seq}
            sha = r.item_sha256
    else:
        if checked or finding or reviewer:
            raise CadenaError("--checked, --finding and --reviewer record a review: add --status")
        sha = item
    rep = reviews.report(c, sha)
    if json_:
        emit_json({**rep, "recorded": recorded})
        return
    if recorded:
        out.print(f"recorded: {recorded['reviewer']} says {recorded['verdict']}", highlight=False)
    print_verification(rep)


def print_verification(rep: dict[str, Any]) -> None:
    """The verification report as text (also for `cadena show`)."""
    colour = {"verified": "green", "disputed": "yellow", "rejected": "red"}.get(rep["status"], "")
    status = f"[{colour}]{rep['status']}[/]" if colour else rep["status"]
    out.print(f"[bold]Verification[/] of {rep['item'][:16]}: {status}")
    if rep["needs"]:
        out.print(f"  needs: {rep['needs']}", highlight=False)
    for warning in rep.get("warnings", []):
        out.print(f"  [yellow]warning:[/] {warning}", highlight=False)
    people = [r["reviewer"] for r in rep["reviewers"]]
    if not people:
        return
    table = Table("aspect", *people)
    for aspect, row in rep["aspects"].items():
        cells = []
        for who in people:
            cell = row.get(who)
            if cell is None:
                cells.append("[dim]not checked[/]")
                continue
            cells.append(f"{cell['verdict']}: " + ("; ".join(cell["findings"]) or "checked"))
        table.add_row(aspect, *cells)
    out.print(table)
    for d in rep["disagreements"]:
        a, b = d["reviewers"]
        out.print(
            f"  [yellow]disagreement:[/] {a} says {d['verdicts'][a]}, {b} says {d['verdicts'][b]}",
            highlight=False,
        )


# -- provenance -----------------------------------------------------------------------------


@user_errors
def provenance(
    item: Annotated[str, typer.Argument(help="SHA-256 or prefix of the item.")],
    claimed_place: Annotated[
        str | None, typer.Option(help="Place it is said to show: LAT,LON.")
    ] = None,
    claimed_time: Annotated[
        str | None, typer.Option(help="When it is said to be filmed: ISO 8601 time or date.")
    ] = None,
    claimed_device: Annotated[
        str | None, typer.Option(help="The device it is said to come from.")
    ] = None,
    place_tolerance_km: Annotated[
        float, typer.Option(help="How far a GPS tag may lie from the claimed place.")
    ] = 10.0,
    time_tolerance_h: Annotated[
        float, typer.Option(help="How far the capture time may lie from the claimed time.")
    ] = 2.0,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Where an item was first seen, whether it looks like an original or a re-encode, and
    whether its sources' claims (place, time, device, platform) agree with its metadata.
    Exits 1 when a claim disagrees."""
    from cadena.verify import geo
    from cadena.verify import provenance as prov

    asked = None
    if claimed_place or claimed_time or claimed_device:
        place = geo.Place.parse(claimed_place) if claimed_place else None
        asked = prov.Claim("asked", place, None, claimed_time, claimed_device)
    rep = prov.provenance(
        case_from(case), item, asked, place_tolerance_km * 1000, time_tolerance_h * 3600
    )
    if json_:
        emit_json(rep)
    else:
        _print_provenance(rep)
    raise typer.Exit(1 if rep["inconsistent"] else 0)


def _print_provenance(rep: dict[str, Any]) -> None:
    out.print(f"[bold]Provenance[/] of {rep['item'][:16]} ({rep['media_type']})")
    o = rep["origin"]
    out.print(f"  origin: {o['assessment']}", highlight=False)
    for r in o["reasons"]:
        out.print(f"    - {r}", highlight=False)
    first = rep["earliest_upload"]
    if first:
        out.print(
            f"  earliest upload: {first['posted_at']} ({first.get('platform') or '?'}, "
            f"{first.get('account') or '?'}): {first['reason']}",
            highlight=False,
        )
    if rep["copies_note"]:
        out.print(f"  [dim]{rep['copies_note']}[/]", highlight=False)
    for copy in rep["copies"] or []:
        out.print(
            f"  copy {copy['item'][:12]} ({', '.join(copy.get('by') or [])}; PDQ distance "
            f"{copy.get('distance')}, offset {copy.get('offset_s')} s, posted "
            f"{copy.get('posted_at') or '?'})",
            highlight=False,
        )
    marks = {"consistent": "[green]ok[/]", "inconsistent": "[red]DISAGREES[/]"}
    for c in rep["checks"]:
        mark = marks.get(c["status"], f"[yellow]{c['status']}[/]")
        out.print(f"  {c['check']:<8} {mark} ({c['origin']}): {c['reason']}", highlight=False)
    if not rep["checks"]:
        out.print("  no claim to check: the sources say nothing of place, time or device")


# -- redact ---------------------------------------------------------------------------------


@user_errors
def redact(
    item: Annotated[str, typer.Argument(help="SHA-256 or prefix of an image or video item.")],
    at: Annotated[float | None, typer.Option("--at", help="A video's frame at T seconds.")] = None,
    from_: Annotated[float | None, typer.Option("--from", help="Excerpt start, seconds.")] = None,
    to: Annotated[float | None, typer.Option("--to", help="Excerpt end, seconds.")] = None,
    box: Annotated[
        list[str] | None,
        typer.Option("--box", help="Blur this too: x,y,w,h[@t0-t1]; repeat for several."),
    ] = None,
    no_detect: Annotated[
        bool, typer.Option("--no-detect", help="Blur only the --box regions.")
    ] = False,
    no_audio: Annotated[
        bool, typer.Option("--no-audio", help="Drop an excerpt's sound (voices identify too).")
    ] = False,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the redacted copy to this file.")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Blur faces (found by a packaged detector, plus --box regions) in an image, a video frame
    or a video excerpt; the redacted copy is a derivative, the original untouched."""
    from cadena.verify import redact as red

    boxes = [red.parse_box(b) for b in box or []]
    c = case_from(case)
    bar = Progress(
        TextColumn("redacting"), BarColumn(), TimeRemainingColumn(), console=err,
        disable=json_ or not err.is_terminal, transient=True,
    )  # fmt: skip
    with bar:
        task = bar.add_task("redact", total=1.0)
        done = red.redact(
            c, item, at=at, start=from_, end=to, boxes=boxes, detect=not no_detect,
            progress=lambda f: bar.update(task, completed=f), audio=not no_audio,
        )  # fmt: skip
    if out_file is not None:
        _write_copy(c.blobs.local_path(done.derivative), out_file)
    record = {**done.as_dict(), "out": str(out_file) if out_file else None}
    if json_:
        emit_json(record)
        return
    found = sum(1 for b in done.boxes if b["source"] == "detector")
    hand = sum(1 for b in done.boxes if b["source"] == "hand")
    out.print(
        f"redacted {done.kind} {done.derivative[:16]} ({done.media_type}): {done.frames} frame(s), "
        f"{found} face box(es) found, {hand} by hand"
        + (f"; written to {out_file}" if out_file else ""),
        highlight=False,
    )


def _write_copy(blob: Path, target: Path) -> None:
    if target.exists() and target.is_dir():
        raise CadenaError(f"{target} is a folder; give a file name for --out")
    try:
        shutil.copyfile(blob, target)
    except OSError as exc:
        raise CadenaError(f"could not write {target} ({exc.strerror or exc})") from None


# -- geolocate ------------------------------------------------------------------------------


@user_errors
def geolocate(
    item: Annotated[str, typer.Argument(help="The item (SHA-256 or prefix).")],
    at: Annotated[
        str | None,
        typer.Option(help="Where: 'LAT,LON', or an area 'LAT,LON;LAT,LON;LAT,LON…'."),
    ] = None,
    radius: Annotated[float, typer.Option(help="Uncertainty radius in metres.")] = 0.0,
    method: Annotated[
        list[str] | None,
        typer.Option(help="landmarks, signs, terrain, satellite, shadows, other (repeatable)."),
    ] = None,
    reasoning: Annotated[str, typer.Option(help="What in the picture matches what there.")] = "",
    reference: Annotated[
        list[str] | None, typer.Option(help="A reference image held in the case (repeatable).")
    ] = None,
    incident: Annotated[
        str | None, typer.Option(help="The incident it shows (key, title or id).")
    ] = None,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Record where an item was filmed, and check it against its incident's place; without
    --at, list the item's geolocations. Exit 1 when a place disagrees with its incident."""
    from rich.markup import escape

    from cadena.verify import geolocation
    from cadena.verify.geo import Place

    c = case_from(case)
    if at is not None:
        geolocation.record(
            c, item, Place.parse(at, radius), method or [], reasoning, reference or [], incident
        )
    found = geolocation.geolocations(c, item)
    if json_:
        emit_json([g.as_dict() for g in found])
    for g in found if not json_ else []:
        corners = "; ".join(f"{v[0]:.6f},{v[1]:.6f}" for v in g.place["vertices"])
        out.print(
            f"#{g.id} {corners} ±{g.place['radius_m']:g} m by {', '.join(g.methods)} "
            f"({escape(g.created_by)}): {escape(g.reasoning)}",
            highlight=False,
        )
        if g.agreement:
            out.print(f"   incident: {escape(str(g.agreement.get('reason')))}", highlight=False)
    disagrees = any(g.agreement and g.agreement.get("agrees") is False for g in found)
    raise typer.Exit(1 if disagrees else 0)

"""Commands for same footage: fingerprint, similar, copies.

JSON keys (stable):
- `fingerprint`: {"items", "items_fingerprinted", "fingerprints_made", "vpdq",
  "indexed": {"frames", "sound"} (fingerprints in each index)}
- `similar`: {"query": {"item"|"file", "kind"}, "similar": [{"item", "by", "distance",
  "coverage", "offset_s", "mirrored", "cropped", "rotated", "sound_landmarks", "posted_at"}]}
- `copies`: {"clusters": [{"items": [{"item", "kind", "posted_at", "source", "platform",
  "account", "url"}], "earliest": {... , "reason"} | null, "pairs": [...]}]}
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import func, select

from cadena.cli.common import (
    CaseOption,
    JsonOption,
    case_from,
    count_progress,
    emit_json,
    out,
    user_errors,
)
from cadena.media.fingerprint import copies as copies_lib
from cadena.media.fingerprint import store
from cadena.vault.models import Item


def register(app: typer.Typer) -> None:
    app.command()(fingerprint)
    app.command()(similar)
    app.command()(copies)


@user_errors
def fingerprint(
    items: Annotated[list[str] | None, typer.Argument(help="Items (default: all).")] = None,
    vpdq: Annotated[
        bool, typer.Option("--vpdq", help="Also store vPDQ hashes (one a second) to exchange.")
    ] = False,
    rebuild_index: Annotated[
        bool,
        typer.Option(
            "--rebuild-index", help="Build the frame and sound indexes anew from the fingerprints."
        ),
    ] = False,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Fingerprint items (picture, sound, scene-change frames) once, for `similar` and `copies`."""
    c = case_from(case)
    with c.session(write=False) as s:
        total_items = s.execute(select(func.count()).select_from(Item)).scalar() or 0
        todo = len(items) if items else len(store.lacking(s, vpdq))
    with count_progress(not json_) as bar:
        task = bar.add_task("fingerprinting", total=todo)
        made = store.ensure(c, items or None, vpdq, advance=lambda _sha: bar.advance(task))
        # Bring the indexes up to date now, not at the next query (or build them anew).
        indexed = store.rebuild_indexes(c) if rebuild_index else store.update_indexes(c)
    result = {
        "items": total_items,
        "items_fingerprinted": todo,
        "fingerprints_made": made,
        "vpdq": vpdq,
        "indexed": indexed,
    }
    if json_:
        emit_json(result)
    else:
        out.print(
            f"{made} fingerprints made for {todo} of {total_items} items (existing ones reused)."
        )


@user_errors
def similar(
    ref: Annotated[str, typer.Argument(metavar="ITEM|FILE", help="An item or a file to look up.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Items showing the same footage, with distance and, for excerpts, the time offset."""
    c = case_from(case)
    with count_progress(not json_) as bar:
        bar.add_task("searching", total=None)
        query, found = copies_lib.similar(c, ref)
    if json_:
        emit_json({"query": query, "similar": [h.as_dict() for h in found]})
        return
    if not found:
        out.print("No item in this case shows the same footage.")
        return
    table = Table("item", "by", "distance", "coverage", "offset", "changes", "posted at")
    for h in found:
        changes = ", ".join(
            n
            for n, f in (("mirrored", h.mirrored), ("cropped", h.cropped), ("rotated", h.rotated))
            if f
        )
        table.add_row(
            h.item[:12],
            "+".join(h.by),
            "" if h.distance is None else str(h.distance),
            "" if h.coverage is None else f"{h.coverage:.0%}",
            "" if h.offset_s is None else f"{h.offset_s:+.2f} s",
            changes,
            h.posted_at or "",
        )
    out.print(table)


@user_errors
def copies(case: CaseOption = None, json_: JsonOption = False) -> None:
    """The case grouped into same-footage clusters, each with its earliest upload proposed."""
    c = case_from(case)
    with count_progress(not json_) as bar:
        bar.add_task("grouping copies", total=None)
        found = copies_lib.clusters(c)
    if json_:
        emit_json(
            {
                "clusters": [
                    {"items": cl.items, "earliest": cl.earliest, "pairs": cl.pairs} for cl in found
                ]
            }
        )
        return
    if not found:
        out.print("No two items in this case show the same footage.")
        return
    for n, cl in enumerate(found, 1):
        table = Table("item", "kind", "posted at", "platform", "account", title=f"cluster {n}")
        for r in cl.items:
            table.add_row(
                r["item"][:12],
                r["kind"] or "",
                r["posted_at"] or "",
                r["platform"] or "",
                r["account"] or "",
            )
        out.print(table)
        if cl.earliest:
            out.print(f"earliest upload: {cl.earliest['item'][:12]} — {cl.earliest['reason']}")
        else:
            out.print(
                "earliest upload: unknown — no source of these copies says when it was posted"
            )

"""Commands for what the sound says: `shots` and `sync`.

JSON keys (stable; docs/sound.md):
- `shots`: {"item", "onsets": [{"t", "confidence", "class", "crack_t", "reasons"}], "count",
  "bursts": [{"start", "end", "shots", "rate_rpm", "mode"}], "distance": {"min_m", "max_m",
  "estimate_m", "crack_thump_s", "weapon_class", "temperature_c", "pairs", "miss_m",
  "nwave_ms", "measured_pairs", "basis"} | null, "uncertain_events",
  "other_events", "duration_s", "clipped_fraction", "bad_packets", "method", "derivative"}
- `sync`: {"reference", "offsets": [{"item", "index", "offset_s", "confidence", "peak_ratio",
  "status", "matched_onsets", "of_onsets"}], "timeline": [{"t", "heard_in", "times",
  "confidence"}], "method", "derivative"}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cadena.cli.common import CaseOption, JsonOption, case_from, emit_json, err, out, user_errors
from cadena.errors import CadenaError
from cadena.media.audio.item import shots_of_item
from cadena.media.audio.shots import ShotParams
from cadena.media.audio.sync import sync_items
from cadena.media.audio.weapons import weapon_classes


def register(app: typer.Typer) -> None:
    app.command()(shots)
    app.command()(sync)


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} s of sound"),
        TimeRemainingColumn(),
        console=err,
        disable=not enabled or not err.is_terminal,
        transient=True,
    )


def _check_weapon(weapon: str) -> None:
    classes = weapon_classes()
    if weapon not in classes:
        raise CadenaError(f"unknown weapon class {weapon!r}; use one of: {', '.join(classes)}")


@user_errors
def shots(
    item: Annotated[str, typer.Argument(metavar="ITEM", help="Item (SHA-256 or a prefix).")],
    weapon: Annotated[
        str, typer.Option("--weapon", help="Weapon class for the distance (weapons.toml).")
    ] = "rifle",
    temperature: Annotated[
        float, typer.Option("--temperature", help="Air temperature, °C, for the speed of sound.")
    ] = 20.0,
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Gunshots in an item's sound: onsets, count, bursts and rate, distance; a picture."""
    _check_weapon(weapon)
    c = case_from(case)
    params = ShotParams(weapon_class=weapon, temperature_c=temperature)
    with _progress(not json_) as bar:

        def listening(sha: str, seconds: float) -> Callable[[float], None]:
            task = bar.add_task(f"listening to {sha[:12]}", total=max(seconds, 0.001))
            return lambda done: bar.advance(task, done)

        result = shots_of_item(c, item, params, listening)
    if json_:
        emit_json(result)
        return
    _render_shots(result)


def _render_shots(r: dict[str, Any]) -> None:
    table = Table(title=f"Impulsive events in {r['item'][:12]} ({r['duration_s']:.1f} s)")
    for col in ("t (s)", "class", "confidence", "why"):
        table.add_column(col)
    for o in r["onsets"]:
        table.add_row(
            f"{o['t']:.3f}", o["class"], f"{o['confidence']:.2f}", "; ".join(o["reasons"])
        )
    out.print(table)
    out.print(f"[bold]{r['count']} shots[/], {r['uncertain_events']} uncertain events")
    for b in r["bursts"]:
        rate = f", {b['rate_rpm']:.0f} rounds/min" if b["rate_rpm"] else ""
        out.print(f"  {b['mode']}: {b['shots']} shots {b['start']:.3f}–{b['end']:.3f} s{rate}")
    d = r["distance"]
    if d:
        out.print(
            f"Shooter {d['min_m']:.0f}–{d['max_m']:.0f} m away, most likely "
            f"{d['estimate_m']:.0f} m (crack–thump {1000 * d['crack_thump_s']:.1f} ms over "
            f"{d['pairs']} shots, {d['weapon_class']}, {d['temperature_c']:.0f} °C)"
        )
        out.print(f"  basis: {d['basis']}", highlight=False)
    else:
        out.print("No distance: no supersonic crack was paired with a muzzle blast.")
    out.print(f"Picture: derivative {r['derivative'][:12]}")
    for a in r["method"]["assumptions"]:
        out.print(f"[dim]assumes: {a}[/]", highlight=False)


@user_errors
def sync(
    items: Annotated[list[str], typer.Argument(metavar="ITEM ITEM…", help="Two or more items.")],
    case: CaseOption = None,
    json_: JsonOption = False,
) -> None:
    """Time offsets between recordings of one moment, from their sound; one shot timeline."""
    if len(items) < 2:
        err.print("[bold red]error:[/] give two or more items to synchronise.")
        raise typer.Exit(2)
    c = case_from(case)
    with _progress(not json_) as bar:

        def listening(sha: str, seconds: float) -> Callable[[float], None]:
            task = bar.add_task(f"listening to {sha[:12]}", total=max(seconds, 0.001))
            return lambda done: bar.advance(task, done)

        result = sync_items(c, items, listening)
    if json_:
        emit_json(result)
        return
    _render_sync(result)


def _render_sync(r: dict[str, Any]) -> None:
    table = Table(title=f"Offsets against {r['reference'][:12]} (t_reference = t_item + offset)")
    for col in ("item", "offset (s)", "confidence", "status", "shared sharp sounds"):
        table.add_column(col)
    for o in r["offsets"]:
        off = "—" if o["offset_s"] is None else f"{o['offset_s']:+.4f}"
        shared = f"{o['matched_onsets']}/{o['of_onsets']}" if o["index"] else ""
        table.add_row(o["item"][:12], off, f"{o['confidence']:.2f}", o["status"], shared)
    out.print(table)
    tl = Table(title=f"{len(r['timeline'])} shots on one timeline")
    for col in ("t (s)", "heard in", "confidence"):
        tl.add_column(col)
    for m in r["timeline"]:
        tl.add_row(
            f"{m['t']:.3f}", ", ".join(h[:12] for h in m["heard_in"]), f"{m['confidence']:.2f}"
        )
    out.print(tl)
    out.print(f"Picture: derivative {r['derivative'][:12]}")
    for a in r["method"]["assumptions"]:
        out.print(f"[dim]assumes: {a}[/]", highlight=False)

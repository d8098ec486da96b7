"""Commands of verification by sun and place: sun, chrono, geo bearing|distance|agree.

They work on coordinates and need no case, so none of them takes --case.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cadena.cli.common import JsonOption, emit_json, err, out, user_errors
from cadena.errors import CadenaError

Lat = Annotated[float, typer.Option("--lat", help="Latitude, decimal degrees (south negative).")]
Lon = Annotated[float, typer.Option("--lon", help="Longitude, decimal degrees (west negative).")]
Height = Annotated[
    float, typer.Option("--height", help="Height above sea level in metres (parallax only).")
]


def register(app: typer.Typer) -> None:
    app.command()(sun)
    app.command()(chrono)
    geo = typer.Typer(
        name="geo",
        help="Bearings, distances and place agreement on the WGS84 ellipsoid.",
        no_args_is_help=True,
    )
    geo.command("bearing")(geo_bearing)
    geo.command("distance")(geo_distance)
    geo.command("agree")(geo_agree)
    app.add_typer(geo)


@user_errors
def sun(
    lat: Lat,
    lon: Lon,
    at: Annotated[
        str, typer.Option("--at", help="Time, ISO 8601 with offset: 2019-11-15T16:30-05:00.")
    ],
    height: Height = 0.0,
    json_: JsonOption = False,
) -> None:
    """The sun's azimuth and apparent elevation at a place and time (NREL SPA)."""
    from cadena.verify.sun import sun_at

    record = sun_at(lat, lon, at, height_m=height)
    if json_:
        emit_json(record)
        return
    out.print(f"[bold]Sun[/] at {lat}, {lon} ({record['timezone']})")
    out.print(f"  time        {record['time']}   local {record['local_time']}")
    out.print(f"  azimuth     {record['azimuth']:.3f}° from true north")
    out.print(f"  elevation   {record['elevation']:.3f}° (apparent)")
    out.print(f"  zenith      {record['zenith']:.3f}°")
    rise, noon, sunset = (
        record[k][11:19] if record[k] else "none"
        for k in ("sunrise_local", "solar_noon_local", "sunset_local")
    )
    out.print(f"  local day   sunrise {rise}, solar noon {noon}, sunset {sunset}")
    if record["elevation"] <= 0:
        out.print("  [yellow]the sun is below the horizon[/]")


@user_errors
def chrono(
    lat: Lat,
    lon: Lon,
    date_: Annotated[
        str | None, typer.Option("--date", help="Local calendar date, YYYY-MM-DD.")
    ] = None,
    dates: Annotated[
        str | None, typer.Option("--dates", help="Local dates FROM..TO, both included.")
    ] = None,
    shadow_bearing: Annotated[
        float | None,
        typer.Option(help="Shadow's bearing, degrees clockwise from TRUE north (sun opposite)."),
    ] = None,
    shadow_ratio: Annotated[
        float | None, typer.Option(help="Shadow length divided by the object's height.")
    ] = None,
    error: Annotated[
        float, typer.Option(help="Bearing error, ± degrees at ~95 % (2 standard uncertainties).")
    ] = 2.0,
    ratio_error: Annotated[
        float | None, typer.Option(help="Ratio error, ± at ~95 % (default: 5 % of the ratio).")
    ] = None,
    height: Height = 0.0,
    picture: Annotated[
        Path | None, typer.Option(help="Write a PNG of the sun over the day with the bands.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """When does the sun cast the measured shadow? Time windows on a date or range of dates."""
    from cadena.verify.chrono import (
        ShadowMeasurement,
        chronolocate,
        parse_date,
        parse_date_range,
        plot_day,
    )

    if (date_ is None) == (dates is None):
        raise CadenaError("give either --date YYYY-MM-DD or --dates FROM..TO")
    first, last = parse_date_range(dates) if dates else (parse_date(date_ or ""), None)
    measurement = ShadowMeasurement(shadow_bearing, error, shadow_ratio, ratio_error)
    n_days = 1 if last is None else (last - first).days + 1
    with Progress(
        TextColumn("scanning days"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        console=err,
        disable=json_ or n_days < 32 or not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("days", total=n_days)
        result = chronolocate(
            lat,
            lon,
            first,
            last,
            measurement,
            height_m=height,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    record = result.to_dict()
    if picture is not None:
        if picture.suffix.lower() != ".png":
            raise CadenaError(f"--picture must name a .png file (got {picture})")
        if not picture.parent.exists():
            raise CadenaError(f"the folder {picture.parent} does not exist")
        record["picture"] = plot_day(result, str(picture))
    if json_:
        emit_json(record)
        return
    _print_chrono(record)


def _print_chrono(record: dict[str, Any]) -> None:
    m = record["measurement"]
    out.print(
        f"[bold]Chronolocation[/] at {record['latitude']}, {record['longitude']} "
        f"({record['timezone']}), {record['dates']['from']} to {record['dates']['to']}"
    )
    if m["sun_azimuth"] is not None:
        out.print(
            f"  shadow bearing {m['shadow_bearing']:.2f}° ± {m['bearing_error']:g}° → sun azimuth "
            f"{m['sun_azimuth']:.2f}°"
        )
    if m["shadow_ratio"] is not None:
        lo, hi = m["elevation_band"]
        out.print(
            f"  shadow ratio {m['shadow_ratio']:g} ± {m['ratio_error']:.3g} → sun elevation "
            f"{m['sun_elevation']:.2f}° ({lo:.2f}–{hi:.2f}°)"
        )
    table = Table("date", "start", "end", "minutes", "best", "min/°az", "side", title="local times")
    for w in record["windows"]:
        table.add_row(
            w["date"],
            w["start_local"][11:19],
            w["end_local"][11:19],
            f"{w['duration_minutes']:.1f}",
            w["best_local"][11:19],
            _pace(w["minutes_per_degree_azimuth"]),
            w["side"],
        )
    if record["windows"]:
        out.print(table)
    else:
        out.print("  no matching window")
    for warning in record["warnings"]:
        out.print(f"[yellow]warning:[/] {warning}")
    if "picture" in record:
        out.print(f"picture: {record['picture']}")


def _pace(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


@user_errors
def geo_bearing(
    from_: Annotated[str, typer.Option("--from", help="Start, LAT,LON.")],
    to: Annotated[str, typer.Option("--to", help="End, LAT,LON.")],
    json_: JsonOption = False,
) -> None:
    """Bearing from one place to another (true north), and the bearing back."""
    from cadena.verify.geo import geodesic, parse_point

    g = geodesic(parse_point(from_), parse_point(to))
    if json_:
        emit_json(g.to_dict())
        return
    out.print(f"bearing {g.bearing:.4f}° (back {g.back_bearing:.4f}°), {g.distance_m:,.1f} m")


@user_errors
def geo_distance(
    from_: Annotated[str, typer.Option("--from", help="Start, LAT,LON.")],
    to: Annotated[str, typer.Option("--to", help="End, LAT,LON.")],
    json_: JsonOption = False,
) -> None:
    """Distance between two places along the ellipsoid (metres)."""
    from cadena.verify.geo import geodesic, parse_point

    g = geodesic(parse_point(from_), parse_point(to))
    if json_:
        emit_json(g.to_dict())
        return
    out.print(f"{g.distance_m:,.1f} m (bearing {g.bearing:.4f}°)")


@user_errors
def geo_agree(
    place: Annotated[
        str, typer.Option(help="The item's place: LAT,LON or an area LAT,LON;LAT,LON;LAT,LON…")
    ],
    incident: Annotated[str, typer.Option(help="The incident's place, same form.")],
    radius: Annotated[float, typer.Option(help="The place's uncertainty radius, metres.")] = 0.0,
    incident_radius: Annotated[
        float, typer.Option(help="The incident place's uncertainty radius, metres.")
    ] = 0.0,
    json_: JsonOption = False,
) -> None:
    """Does a place agree with the incident's within their uncertainty radii? Exit 1 if not."""
    from cadena.verify.geo import Place, agreement

    a = Place.parse(place, radius)
    b = Place.parse(incident, incident_radius)
    result = agreement(a, b)
    if json_:
        emit_json({"place": a.to_dict(), "incident": b.to_dict(), **result.to_dict()})
    else:
        colour = "green" if result.agrees else "red"
        out.print(f"[{colour}]{result.reason}[/]")
    if not result.agrees:
        raise typer.Exit(1)

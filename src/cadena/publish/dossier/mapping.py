"""The map: the case's incidents and deployments on an offline basemap (Natural Earth country
boundaries, 1:110m, shipped in `data/`), as one SVG with two panels: an overview of the region
and the case's own places with the uncertainty of each position.

Coordinates are drawn equirectangular, with the aspect corrected for the latitude: at the scale
of a city or a region that is what a reader expects, and it needs no projection library.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib.collections import PolyCollection
from matplotlib.patches import Ellipse, Polygon, Rectangle

from cadena.publish.dossier import svg
from cadena.publish.dossier.i18n import translator
from cadena.publish.dossier.model import DeploymentView, IncidentView

BASEMAP = Path(__file__).with_name("data") / "countries-110m.json"
M_PER_DEG = 111_320.0
INCIDENT, DEPLOYMENT = "#c0392b", "#1f618d"
Ring = list[tuple[float, float]]


# -- the basemap ------------------------------------------------------------------------------


def _arcs(topo: dict[str, Any]) -> list[Ring]:
    """Decode TopoJSON's quantized, delta-encoded arcs into lon/lat points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(indexes: list[int], arcs: list[Ring]) -> Ring:
    pts: Ring = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc if not pts else arc[1:])
    return pts


@lru_cache(maxsize=1)
def country_rings() -> tuple[tuple[tuple[float, float], ...], ...]:
    """Every ring (outer and hole) of every country in the shipped basemap."""
    topo = json.loads(BASEMAP.read_text(encoding="utf-8"))
    arcs = _arcs(topo)
    rings = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom.get("arcs", [])
        if geom["type"] == "Polygon":
            polys = [polys]
        elif geom["type"] != "MultiPolygon":
            continue
        for poly in polys:
            rings += [tuple(_ring(r, arcs)) for r in poly]
    return tuple(rings)


def _unwrap(ring: Ring, centre_lon: float) -> Ring:
    """A ring crossing the antimeridian (Fiji, Russia) drawn on the side of the view, not as a
    band across the whole map."""
    if max(p[0] for p in ring) - min(p[0] for p in ring) <= 180:
        return ring
    if centre_lon >= 0:
        return [(x + 360 if x < 0 else x, y) for x, y in ring]
    return [(x - 360 if x > 0 else x, y) for x, y in ring]


def _rings_in(box: tuple[float, float, float, float]) -> Iterator[Ring]:
    x0, y0, x1, y1 = box
    for raw in country_rings():
        ring = _unwrap(list(raw), (x0 + x1) / 2)
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        if max(xs) >= x0 and min(xs) <= x1 and max(ys) >= y0 and min(ys) <= y1:
            yield ring


# -- the case's places ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float
    radius_m: float | None
    label: str
    layer: str  # incident | deployment
    area: dict[str, Any] | None = None


def places(incidents: list[IncidentView], deployments: list[DeploymentView]) -> list[Place]:
    out = [
        Place(i.lon, i.lat, i.uncertainty_m, str(n), "incident")
        for n, i in enumerate(incidents, 1)
        if i.lat is not None and i.lon is not None
    ]
    for d in deployments:
        area = d.area if d.area and d.area.get("type") == "Polygon" else None
        if area:
            ring = area["coordinates"][0]
            lon = sum(p[0] for p in ring) / len(ring)
            lat = sum(p[1] for p in ring) / len(ring)
            out.append(Place(lon, lat, None, d.unit, "deployment", area))
        elif d.lat is not None and d.lon is not None:
            out.append(Place(d.lon, d.lat, d.uncertainty_m, d.unit, "deployment"))
    return out


def _detail_box(pts: list[Place]) -> tuple[float, float, float, float]:
    """The places with a margin: at least 2 km across, square on the ground."""
    lat0 = sum(p.lat for p in pts) / len(pts)
    k = math.cos(math.radians(lat0))
    reach = max((p.radius_m or 0) / M_PER_DEG for p in pts)
    xs = [p.lon for p in pts]
    ys = [p.lat for p in pts]
    half = max((max(xs) - min(xs)) * k, max(ys) - min(ys)) / 2 + reach
    half = max(half * 1.25, 1000 / M_PER_DEG)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return cx - half / k, cy - half, cx + half / k, cy + half


def map_svg(
    incidents: list[IncidentView], deployments: list[DeploymentView], lang: str
) -> str | None:
    """The map as inline SVG, or None when no incident or deployment has coordinates."""
    pts = places(incidents, deployments)
    if not pts:
        return None
    t = translator(lang)
    box = _detail_box(pts)
    k = math.cos(math.radians((box[1] + box[3]) / 2))
    fig = svg.new_figure(7.2, 4.2)
    over = fig.add_axes((0.0, 0.3, 0.3, 0.6))
    detail = fig.add_axes((0.34, 0.0, 0.66, 1.0))
    _overview(over, box, k, t("map.overview"))
    _basemap(detail, box, "basemap-detail")
    for p in pts:
        _place(detail, p, k)
    detail.set_xlim(box[0], box[2])
    detail.set_ylim(box[1], box[3])
    detail.set_aspect(1 / k)
    detail.set_title(t("map.detail"), fontsize=9)
    detail.tick_params(labelsize=6)
    _scale_bar(detail, box, k, t("map.km"))
    detail.text(
        0.99,
        0.01,
        "Natural Earth",
        transform=detail.transAxes,
        ha="right",
        va="bottom",
        fontsize=5.5,
        color="#777777",
    )
    return svg.figure_svg(fig, "map")


def _basemap(ax: Any, box: tuple[float, float, float, float], gid: str) -> None:
    ax.set_facecolor("#eaf2f8")
    rings = list(_rings_in(box))
    if rings:
        ax.add_collection(
            PolyCollection(
                rings, facecolors="#f4f1ea", edgecolors="#9a9a9a", linewidths=0.6, gid=gid
            )
        )


def _overview(ax: Any, box: tuple[float, float, float, float], k: float, title: str) -> None:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    half = 9.0
    region = (cx - half / k, cy - half, cx + half / k, cy + half)
    _basemap(ax, region, "basemap-overview")
    w, h = box[2] - box[0], box[3] - box[1]
    ax.add_patch(Rectangle((box[0], box[1]), w, h, fill=False, edgecolor=INCIDENT, linewidth=1))
    ax.plot([cx], [cy], marker="o", color=INCIDENT, markersize=4)
    ax.set_xlim(region[0], region[2])
    ax.set_ylim(region[1], region[3])
    ax.set_aspect(1 / k)
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=5)


def _place(ax: Any, p: Place, k: float) -> None:
    colour = INCIDENT if p.layer == "incident" else DEPLOYMENT
    if p.area:
        ring = p.area["coordinates"][0]
        ax.add_patch(Polygon(ring, closed=True, facecolor=colour, alpha=0.15, edgecolor=colour))
    if p.radius_m:
        r = p.radius_m / M_PER_DEG
        ax.add_patch(
            Ellipse(
                (p.lon, p.lat),
                2 * r / k,
                2 * r,
                facecolor=colour,
                alpha=0.12,
                edgecolor=colour,
                linewidth=0.6,
            )
        )
    # A deployment is a hollow square and an incident a dot drawn over it: a unit deployed where
    # an incident happened leaves both visible.
    if p.layer == "incident":
        ax.plot([p.lon], [p.lat], marker="o", color=colour, markersize=6, zorder=4)
    else:
        ax.plot(
            [p.lon],
            [p.lat],
            marker="s",
            markerfacecolor="none",
            markeredgecolor=colour,
            markeredgewidth=1.5,
            markersize=10,
            zorder=3,
        )
    # Incidents' numbers above left, units' names below right: a unit deployed where an
    # incident happened must not hide its number.
    incident = p.layer == "incident"
    ax.annotate(
        p.label,
        (p.lon, p.lat),
        xytext=(-6, 5) if incident else (6, -9),
        textcoords="offset points",
        fontsize=8 if incident else 6.5,
        color=colour,
        ha="right" if incident else "left",
        fontweight="bold" if incident else "normal",
    )


def _scale_bar(ax: Any, box: tuple[float, float, float, float], k: float, unit: str) -> None:
    width_km = (box[2] - box[0]) * k * M_PER_DEG / 1000
    step = next(s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500) if s >= width_km / 5)
    x0 = box[0] + (box[2] - box[0]) * 0.04
    y0 = box[1] + (box[3] - box[1]) * 0.04
    length = step * 1000 / (M_PER_DEG * k)
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=2)
    ax.text(
        x0 + length / 2, y0 + (box[3] - box[1]) * 0.015, f"{step:g} {unit}", ha="center", fontsize=6
    )

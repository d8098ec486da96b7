"""Geolocation tools: bearings and distances on the WGS84 ellipsoid, and place agreement.

A place record is a point or an area (a polygon) with an uncertainty radius in metres, as a
geolocation states it ("filmed from this balcony, ±15 m"; "somewhere on this block, ±0 m"). Two
records agree when they come within the sum of their radii of each other: the question a reviewer
asks when an item's geolocation is linked to an incident.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pyproj import Geod, Transformer

from cadena.errors import CadenaError

TOOL = "cadena.verify.geo"
TOOL_VERSION = "0.1.0"
_GEOD = Geod(ellps="WGS84")

LatLon = tuple[float, float]
XY = tuple[float, float]  # metres in a local projection


def check_point(lat: float, lon: float) -> LatLon:
    """(lat, lon) if on Earth, else a CadenaError that says which value is wrong."""
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise CadenaError(f"latitude must be between -90 and 90 degrees (got {lat})")
    if not (math.isfinite(lon) and -180 <= lon <= 360):
        raise CadenaError(f"longitude must be between -180 and 180 degrees (got {lon})")
    return lat, (lon + 180) % 360 - 180 if lon > 180 else lon


def parse_point(text: str) -> LatLon:
    """'LAT,LON' in decimal degrees."""
    parts = text.replace(" ", "").split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        return check_point(float(parts[0]), float(parts[1]))
    except ValueError:
        raise CadenaError(
            f"{text!r} is not a place; write LAT,LON in decimal degrees, e.g. -12.0464,-77.0428"
        ) from None


@dataclass(frozen=True)
class Geodesic:
    """The shortest path between two places on the ellipsoid."""

    bearing: float  # forward azimuth at the start, degrees clockwise from true north, 0-360
    back_bearing: float  # azimuth from the end back to the start
    distance_m: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "bearing": round(self.bearing, 6),
            "back_bearing": round(self.back_bearing, 6),
            "distance_m": round(self.distance_m, 3),
            "method": "geodesic on the WGS84 ellipsoid (pyproj.Geod, Karney's algorithm)",
            "tool": TOOL,
            "tool_version": TOOL_VERSION,
        }


def geodesic(start: LatLon, end: LatLon) -> Geodesic:
    """Bearing from `start` to `end`, the bearing back, and the distance between them."""
    (lat1, lon1), (lat2, lon2) = check_point(*start), check_point(*end)
    fwd, back, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return Geodesic(fwd % 360, back % 360, float(dist))


def destination(start: LatLon, bearing: float, distance_m: float) -> LatLon:
    """The place reached by going `distance_m` from `start` on an initial `bearing`."""
    lat, lon = check_point(*start)
    lon2, lat2, _ = _GEOD.fwd(lon, lat, bearing, distance_m)
    return float(lat2), float(lon2)


@dataclass(frozen=True)
class Place:
    """A point, or an area given as a polygon of (lat, lon) vertices, with an uncertainty radius."""

    vertices: tuple[LatLon, ...]
    radius_m: float = 0.0

    @classmethod
    def point(cls, lat: float, lon: float, radius_m: float = 0.0) -> Place:
        return cls((check_point(lat, lon),), radius_m).checked()

    @classmethod
    def area(cls, vertices: Sequence[LatLon], radius_m: float = 0.0) -> Place:
        return cls(tuple(check_point(a, b) for a, b in vertices), radius_m).checked()

    @classmethod
    def parse(cls, text: str, radius_m: float = 0.0) -> Place:
        """'LAT,LON' for a point or 'LAT,LON;LAT,LON;LAT,LON…' (three or more) for an area."""
        pieces = [p for p in text.split(";") if p.strip()]
        if len(pieces) == 2:
            raise CadenaError("an area needs at least three corners (LAT,LON;LAT,LON;LAT,LON)")
        return cls(tuple(parse_point(p) for p in pieces), radius_m).checked()

    def checked(self) -> Place:
        if not self.vertices or len(self.vertices) == 2:
            raise CadenaError("a place is one point or an area of at least three corners")
        if not (math.isfinite(self.radius_m) and self.radius_m >= 0):
            raise CadenaError("an uncertainty radius is a distance in metres, 0 or more")
        return self

    @property
    def is_area(self) -> bool:
        return len(self.vertices) >= 3

    def to_dict(self) -> dict[str, Any]:
        kind = "area" if self.is_area else "point"
        vertices = [list(v) for v in self.vertices]
        return {"kind": kind, "vertices": vertices, "radius_m": self.radius_m}


@dataclass(frozen=True)
class Agreement:
    agrees: bool
    separation_m: float  # 0 when the shapes touch or overlap
    tolerance_m: float  # the two radii together
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "agrees": self.agrees,
            "separation_m": round(self.separation_m, 2),
            "tolerance_m": round(self.tolerance_m, 2),
            "reason": self.reason,
            "method": "geodesic distance between points; polygons compared in an azimuthal "
            "equidistant projection centred on them (exact to well under a metre at city scale)",
            "tool": TOOL,
            "tool_version": TOOL_VERSION,
        }


def agreement(place: Place, other: Place) -> Agreement:
    """Whether two places come within their uncertainty radii of each other, and by how much."""
    tolerance = place.radius_m + other.radius_m
    if not place.is_area and not other.is_area:
        separation = geodesic(place.vertices[0], other.vertices[0]).distance_m
    else:
        separation = _planar_separation(place.vertices, other.vertices)
    agrees = separation <= tolerance
    verb = "agree" if agrees else "do not agree"
    where = "touch or overlap" if separation == 0 else f"are {separation:,.1f} m apart"
    reason = (
        f"The places {where}; their uncertainty radii ({place.radius_m:g} m + "
        f"{other.radius_m:g} m) allow {tolerance:,.1f} m: they {verb}."
    )
    return Agreement(agrees, separation, tolerance, reason)


@lru_cache(maxsize=256)
def _projection(lat0: float, lon0: float) -> Transformer:
    return Transformer.from_crs(
        "EPSG:4326",
        f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m",
        always_xy=True,
    )


def _planar_separation(a: Sequence[LatLon], b: Sequence[LatLon]) -> float:
    pts = list(a) + list(b)
    lat0 = sum(p[0] for p in pts) / len(pts)
    lon0 = math.degrees(
        math.atan2(
            sum(math.sin(math.radians(p[1])) for p in pts),
            sum(math.cos(math.radians(p[1])) for p in pts),
        )
    )
    proj = _projection(round(lat0, 6), round(lon0, 6))
    pa = [proj.transform(lon, lat) for lat, lon in a]
    pb = [proj.transform(lon, lat) for lat, lon in b]
    if _inside_any(pa, pb) or _inside_any(pb, pa) or _edges_cross(pa, pb):
        return 0.0
    # Shapes apart: the nearest approach is from a corner of one to an edge of the other.
    near = [_point_segment(p, s0, s1) for p in pa for s0, s1 in _edges(pb)]
    near += [_point_segment(q, s0, s1) for q in pb for s0, s1 in _edges(pa)]
    return min(near)


def _edges(poly: Sequence[XY]) -> list[tuple[XY, XY]]:
    if len(poly) == 1:
        return [(poly[0], poly[0])]
    return [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]


def _inside_any(points: Sequence[XY], poly: Sequence[XY]) -> bool:
    return len(poly) >= 3 and any(_inside(p, poly) for p in points)


def _inside(p: XY, poly: Sequence[XY]) -> bool:
    """Even-odd rule."""
    x, y = p
    inside = False
    for (x0, y0), (x1, y1) in _edges(poly):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _edges_cross(a: Sequence[XY], b: Sequence[XY]) -> bool:
    if len(a) < 2 or len(b) < 2:
        return False
    return any(_segments_cross(p0, p1, q0, q1) for p0, p1 in _edges(a) for q0, q1 in _edges(b))


def _segments_cross(p0: XY, p1: XY, q0: XY, q1: XY) -> bool:
    def orient(a: XY, b: XY, c: XY) -> float:
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])

    d1, d2 = orient(q0, q1, p0), orient(q0, q1, p1)
    d3, d4 = orient(p0, p1, q0), orient(p0, p1, q1)
    return (d1 * d2 < 0) and (d3 * d4 < 0)


def _point_segment(p: XY, s0: XY, s1: XY) -> float:
    dx, dy = s1[0] - s0[0], s1[1] - s0[1]
    length2 = dx * dx + dy * dy
    along = ((p[0] - s0[0]) * dx + (p[1] - s0[1]) * dy) / length2 if length2 else 0.0
    t = max(0.0, min(1.0, along))
    return math.dist(p, (s0[0] + t * dx, s0[1] + t * dy))

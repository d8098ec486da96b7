"""Chronolocation: when on a date (or range of dates) does the sun cast the shadow we measured?

The investigator measures, in a still, a vertical object's shadow: its bearing from true north
(usually from a street or wall whose bearing is known on a map) and/or its length over the object's
height. On level ground the shadow points away from the sun, so the sun's azimuth is the shadow's
bearing + 180°, and the ratio is the cotangent of the sun's apparent elevation. We scan each local
day, find every stretch of time in which the sun agrees with the measurement within its uncertainty,
and say where the method is weak (near solar noon, near the zenith in the tropics).

Uncertainty: `bearing_error` and `ratio_error` are the measurement's expanded uncertainty at about
95 % (coverage factor k = 2, the GUM convention): the measurement's standard uncertainty is half of
it. With one measurement a window is exactly "the sun within ±error of the measurement"; with both,
it is where the two normalised residuals together lie inside the 95.45 % ellipse (chi-square, two
degrees of freedom), so the true time falls inside the reported windows 95 % of the time when the
stated errors are honest (benchmarks/verify_chrono.py measures this).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from cadena.errors import CadenaError
from cadena.verify.sun import (
    METHOD as SUN_METHOD,
)
from cadena.verify.sun import (
    FloatArray,
    check_coordinates,
    local_day_bounds,
    sun_position,
    timezone_at,
)

BoolArray = NDArray[np.bool_]

TOOL = "cadena.verify.chrono"
TOOL_VERSION = "0.1.0"
COVERAGE_FACTOR = 2.0  # k: errors are given as k standard uncertainties
COVERAGE = math.erf(COVERAGE_FACTOR / math.sqrt(2))  # 0.9545 for one measured quantity
COARSE_STEP_S = 15.0
FINE_STEP_S = 0.5
MAX_DAYS = 3660
NEAR_NOON_MINUTES = 60.0
NEAR_ZENITH_DEG = 15.0  # sun this close to the zenith at noon: azimuth ill-conditioned
LOW_SUN_DEG = 5.0
FAST_AZIMUTH = 2.0  # minutes per degree below which the azimuth races
SLOW_AZIMUTH = 30.0  # minutes per degree beyond which a bearing barely times anything
OBLIQUITY_DEG = 23.44


@dataclass(frozen=True)
class ShadowMeasurement:
    """What was measured in the image, with expanded (k = 2, ~95 %) uncertainties."""

    bearing: float | None = None  # shadow direction, degrees clockwise from true north
    bearing_error: float = 2.0
    ratio: float | None = None  # shadow length / object height
    ratio_error: float | None = None  # default: 5 % of the ratio

    def checked(self) -> ShadowMeasurement:
        """The measurement with defaults filled in, or a CadenaError saying what is wrong."""
        if self.bearing is None and self.ratio is None:
            raise CadenaError("give a shadow bearing (--shadow-bearing) and/or a shadow ratio")
        if self.bearing is not None and not math.isfinite(self.bearing):
            raise CadenaError("the shadow bearing must be a number of degrees from true north")
        if not (0 < self.bearing_error < 90):
            raise CadenaError("the bearing error must be more than 0 and less than 90 degrees")
        ratio_error = self.ratio_error
        if self.ratio is not None:
            if not (math.isfinite(self.ratio) and self.ratio > 0):
                raise CadenaError("the shadow ratio (length / height) must be a positive number")
            ratio_error = 0.05 * self.ratio if ratio_error is None else ratio_error
            if not (math.isfinite(ratio_error) and ratio_error > 0):
                raise CadenaError("the ratio error must be a positive number")
        bearing = None if self.bearing is None else self.bearing % 360
        return ShadowMeasurement(bearing, self.bearing_error, self.ratio, ratio_error)

    @property
    def sun_azimuth(self) -> float | None:
        return None if self.bearing is None else (self.bearing + 180) % 360

    @property
    def elevation_band(self) -> tuple[float, float] | None:
        """Apparent sun elevation for ratio ± error (degrees, low to high)."""
        if self.ratio is None or self.ratio_error is None:
            return None
        high = 90.0 if self.ratio <= self.ratio_error else _elev(self.ratio - self.ratio_error)
        return _elev(self.ratio + self.ratio_error), high


def _elev(ratio: float) -> float:
    return math.degrees(math.atan2(1.0, ratio))


@dataclass
class Window:
    """A stretch of time in which the sun agrees with the measurement."""

    date: str
    start: str
    end: str
    start_local: str
    end_local: str
    best: str
    best_local: str
    duration_minutes: float
    sun_azimuth: float
    sun_elevation: float
    minutes_per_degree_azimuth: float | None
    minutes_per_degree_elevation: float | None
    side: str
    solar_noon_local: str
    note: str  # the measurement error turned into minutes at the local pace (linearised)


@dataclass
class ChronoResult:
    latitude: float
    longitude: float
    height_m: float
    timezone: str
    first_date: date
    last_date: date
    measurement: ShadowMeasurement
    windows: list[Window] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape `cadena chrono --json` prints."""
        m = self.measurement
        measured: dict[str, Any] = {
            "shadow_bearing": m.bearing,
            "bearing_error": m.bearing_error if m.bearing is not None else None,
            "sun_azimuth": m.sun_azimuth,
            "azimuth_band": None
            if m.sun_azimuth is None
            else [(m.sun_azimuth - m.bearing_error) % 360, (m.sun_azimuth + m.bearing_error) % 360],
            "shadow_ratio": m.ratio,
            "ratio_error": m.ratio_error,
            "sun_elevation": None if m.ratio is None else round(_elev(m.ratio), 4),
            "elevation_band": None
            if m.elevation_band is None
            else [round(v, 4) for v in m.elevation_band],
        }
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "height_m": self.height_m,
            "timezone": self.timezone,
            "dates": {"from": self.first_date.isoformat(), "to": self.last_date.isoformat()},
            "measurement": measured,
            "coverage": round(COVERAGE, 4),
            "coverage_factor": COVERAGE_FACTOR,
            "windows": [asdict(w) for w in self.windows],
            "warnings": self.warnings,
            "method": METHOD,
            "assumptions": ASSUMPTIONS,
            "tool": TOOL,
            "tool_version": TOOL_VERSION,
        }


METHOD = (
    f"Sun position by {SUN_METHOD}, scanned every {COARSE_STEP_S:g} s of each local day and "
    f"refined to {FINE_STEP_S:g} s at every window edge; a time matches when the sun's azimuth "
    "(shadow bearing + 180°) and/or apparent elevation (atan(1 / ratio)) lie within the "
    "measurement's uncertainty (k = 2; both together: the 95.45 % chi-square ellipse)."
)
ASSUMPTIONS = [
    "the object is vertical and the ground it shades is level",
    "the shadow bearing is from true north (not magnetic or grid north)",
    "errors are expanded uncertainties at ~95 % (k = 2), i.e. twice the standard uncertainty",
    "refraction for 1013.25 hPa and 12 °C; near the horizon real refraction varies more",
    "the sun is treated as a point; the shadow's blurred edge (penumbra) is part of the error",
    "dates are calendar days in the place's local time zone",
]


def threshold(m: ShadowMeasurement) -> float:
    """The bound on the summed squared normalised residuals for the measurement's coverage."""
    if m.bearing is None or m.ratio is None:
        return COVERAGE_FACTOR**2
    return -2 * math.log(1 - COVERAGE)


# --- dates ---------------------------------------------------------------------------------


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CadenaError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def parse_date_range(text: str) -> tuple[date, date]:
    """FROM..TO (inclusive) as two dates; a clear error for anything else."""
    parts = text.split("..")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise CadenaError(
            f"{text!r} is not a date range; write it as FROM..TO, e.g. 2019-11-01..2019-11-30"
        )
    try:
        first, last = parse_date(parts[0]), parse_date(parts[1])
    except CadenaError as exc:
        raise CadenaError(f"{text!r} is not a date range FROM..TO: {exc}") from None
    if last < first:
        raise CadenaError(f"the range {text!r} ends before it starts")
    if (last - first).days + 1 > MAX_DAYS:
        raise CadenaError(f"the range {text!r} is longer than {MAX_DAYS} days; split it")
    return first, last


# --- residuals -----------------------------------------------------------------------------


def _residuals(
    az: FloatArray, el: FloatArray, m: ShadowMeasurement
) -> tuple[FloatArray | None, FloatArray | None]:
    """Signed residuals in standard uncertainties: azimuth and ratio (None if not measured)."""
    r_az = r_ratio = None
    sigma_factor = COVERAGE_FACTOR
    if m.sun_azimuth is not None:
        r_az = ((az - m.sun_azimuth + 180) % 360 - 180) / (m.bearing_error / sigma_factor)
    if m.ratio is not None and m.ratio_error is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            cot = np.where(el > 0, 1 / np.tan(np.radians(el)), np.inf)
        r_ratio = (cot - m.ratio) / (m.ratio_error / sigma_factor)
    return r_az, r_ratio


def _distance2(r_az: FloatArray | None, r_ratio: FloatArray | None) -> FloatArray:
    total: FloatArray | None = None
    for r in (r_az, r_ratio):
        if r is not None:
            total = r * r if total is None else total + r * r
    assert total is not None
    return total


@dataclass
class _Day:
    day: date
    t: FloatArray  # unix seconds
    az: FloatArray
    el: FloatArray
    ok: BoolArray
    d2: FloatArray


def _evaluate(
    t: FloatArray, lat: float, lon: float, height: float, m: ShadowMeasurement, thr: float
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray, FloatArray | None, FloatArray | None]:
    pos = sun_position(t, lat, lon, height_m=height)
    r_az, r_ratio = _residuals(pos.azimuth, pos.elevation, m)
    d2 = _distance2(r_az, r_ratio)
    ok = (pos.elevation > 0) & (d2 <= thr)
    return pos.azimuth, pos.elevation, d2, ok, r_az, r_ratio


def _crossing_samples(t: FloatArray, r: FloatArray | None, limit: float) -> list[float]:
    """Times where a residual passes through zero between two coarse samples (linear estimate).

    A window narrower than the coarse step (the sun racing through azimuth near the zenith) would
    otherwise fall between samples and be lost.
    """
    if r is None:
        return []
    a, b = r[:-1], r[1:]
    finite = np.isfinite(a) & np.isfinite(b)
    with np.errstate(invalid="ignore"):
        sign_change = finite & (np.sign(a) != np.sign(b))
    out: list[float] = []
    for i in np.flatnonzero(sign_change):
        if abs(a[i]) + abs(b[i]) < limit:
            frac = a[i] / (a[i] - b[i])
            out.append(float(t[i] + frac * (t[i + 1] - t[i])))
    return out


def _scan_days(
    days: list[date],
    zone: ZoneInfo,
    lat: float,
    lon: float,
    height: float,
    m: ShadowMeasurement,
) -> list[_Day]:
    thr = threshold(m)
    bounds = [local_day_bounds(d, zone) for d in days]
    grids = [np.arange(s, e, COARSE_STEP_S) for s, e in bounds]
    t = np.concatenate(grids)
    az, el, d2, ok, r_az, r_ratio = _evaluate(t, lat, lon, height, m, thr)
    # Every change between match and no match, and every zero crossing, gets a fine look.
    extra: list[float] = []
    edges = np.flatnonzero(ok[1:] != ok[:-1])
    for i in edges:
        extra.extend(np.arange(t[i], t[i + 1], FINE_STEP_S)[1:].tolist())
    az_limit = 180 / (m.bearing_error / COVERAGE_FACTOR)
    crossings = _crossing_samples(t, r_az, az_limit) + _crossing_samples(t, r_ratio, 1e9)
    for x in crossings:
        extra.extend(np.arange(x - COARSE_STEP_S, x + COARSE_STEP_S, FINE_STEP_S).tolist())
        extra.append(x)
    if extra:
        te = np.unique(np.array(extra))
        aze, ele, d2e, oke, _, _ = _evaluate(te, lat, lon, height, m, thr)
        order = np.argsort(np.concatenate([t, te]), kind="stable")
        t = np.concatenate([t, te])[order]
        az = np.concatenate([az, aze])[order]
        el = np.concatenate([el, ele])[order]
        d2 = np.concatenate([d2, d2e])[order]
        ok = np.concatenate([ok, oke])[order]
    out = []
    for d, (s, e) in zip(days, bounds, strict=True):
        lo, hi = np.searchsorted(t, s), np.searchsorted(t, e)
        out.append(_Day(d, t[lo:hi], az[lo:hi], el[lo:hi], ok[lo:hi], d2[lo:hi]))
    return out


# --- windows -------------------------------------------------------------------------------


def _iso(ts: float, zone: ZoneInfo | None = None) -> str:
    moment = datetime.fromtimestamp(round(ts), tz=UTC)
    if zone is None:
        return moment.isoformat().replace("+00:00", "Z")
    return moment.astimezone(zone).isoformat()


def _solar_noon(day: _Day) -> float:
    i = int(np.argmax(day.el))
    return float(day.t[i])


def _rates(ts: float, lat: float, lon: float, height: float) -> tuple[float | None, float | None]:
    """Minutes per degree of azimuth and of elevation at a moment (None when stationary)."""
    t = np.array([ts - 30.0, ts + 30.0])
    pos = sun_position(t, lat, lon, height_m=height)
    d_az = abs((pos.azimuth[1] - pos.azimuth[0] + 180) % 360 - 180)
    d_el = abs(pos.elevation[1] - pos.elevation[0])
    return (
        round(float(1 / d_az), 2) if d_az > 1e-6 else None,
        round(float(1 / d_el), 2) if d_el > 1e-6 else None,
    )


def _note(m: ShadowMeasurement, per_az: float | None, per_el: float | None) -> str:
    parts = []
    if m.bearing is not None:
        if per_az is None:
            parts.append("the sun's azimuth is momentarily still here")
        else:
            parts.append(
                f"±{m.bearing_error:g}° of bearing ≈ ±{m.bearing_error * per_az:.1f} min here "
                f"({per_az:g} min per degree of azimuth)"
            )
    band = m.elevation_band
    if band is not None:
        half = (band[1] - band[0]) / 2
        if per_el is None:
            parts.append("the sun's elevation is momentarily still here")
        else:
            parts.append(
                f"±{half:.2f}° of elevation (the ratio's error) ≈ ±{half * per_el:.1f} min here "
                f"({per_el:g} min per degree of elevation)"
            )
    return "; ".join(parts)


def _windows_of_day(
    day: _Day, zone: ZoneInfo, lat: float, lon: float, height: float, m: ShadowMeasurement
) -> list[Window]:
    ok = day.ok.astype(bool)
    if not ok.any():
        return []
    noon = _solar_noon(day)
    padded = np.concatenate([[False], ok, [False]])
    starts = np.flatnonzero(padded[1:-1] & ~padded[:-2])
    ends = np.flatnonzero(padded[1:-1] & ~padded[2:])
    windows = []
    for s, e in zip(starts, ends, strict=True):
        best = s + int(np.argmin(day.d2[s : e + 1]))
        t0, t1, tb = float(day.t[s]), float(day.t[e]), float(day.t[best])
        side = "morning" if t1 < noon else "afternoon" if t0 > noon else "around noon"
        per_az, per_el = _rates(tb, lat, lon, height)
        windows.append(
            Window(
                date=day.day.isoformat(),
                start=_iso(t0),
                end=_iso(t1),
                start_local=_iso(t0, zone),
                end_local=_iso(t1, zone),
                best=_iso(tb),
                best_local=_iso(tb, zone),
                duration_minutes=round((t1 - t0) / 60, 2),
                sun_azimuth=round(float(day.az[best]), 3),
                sun_elevation=round(float(day.el[best]), 3),
                minutes_per_degree_azimuth=per_az,
                minutes_per_degree_elevation=per_el,
                side=side,
                solar_noon_local=_iso(noon, zone),
                note=_note(m, per_az, per_el),
            )
        )
    return windows


# --- warnings ------------------------------------------------------------------------------


def _azimuth_pace(w: Window, m: ShadowMeasurement) -> float:
    """Minutes per degree of azimuth: the slower of the local pace and the window's average."""
    local = w.minutes_per_degree_azimuth
    average = w.duration_minutes / (2 * m.bearing_error) if m.ratio is None else 0.0
    return max(math.inf if local is None else local, average)


def _minutes_from_noon(w: Window) -> float:
    if w.side == "around noon":
        return 0.0
    noon = datetime.fromisoformat(w.solar_noon_local)
    return abs((datetime.fromisoformat(w.best_local) - noon).total_seconds()) / 60


def _warnings(result: ChronoResult, days: list[_Day]) -> list[str]:
    m, out = result.measurement, []
    lat = result.latitude
    max_el = max((float(d.el.max()) for d in days), default=-90.0)
    if max_el <= 0:
        out.append("The sun does not rise at this place on these dates: no shadow can be cast.")
    if abs(lat) < OBLIQUITY_DEG + 1 and max_el > 90 - NEAR_ZENITH_DEG:
        out.append(
            f"Tropics: at latitude {lat:.2f} the sun passes within {90 - max_el:.1f}° of the "
            "zenith at noon on these dates. Near noon its azimuth is ill-conditioned: it swings "
            "through many degrees in minutes, the shadow is short and its bearing hard to "
            "measure, and the same bearing or shadow length can match both before and after noon."
        )
    near_noon = [w for w in result.windows if _minutes_from_noon(w) <= NEAR_NOON_MINUTES]
    if near_noon:
        w = near_noon[0]
        rate = w.minutes_per_degree_azimuth
        noon = datetime.fromisoformat(w.solar_noon_local).strftime("%H:%M")
        if rate is not None and rate < FAST_AZIMUTH:
            azimuth = (
                f" and its azimuth changes fast ({rate:.2f} min per degree): the bearing pins "
                "the time only if the bearing itself is sound"
            )
        else:
            azimuth = ""
        out.append(
            f"Near solar noon: {len(near_noon)} window(s) lie within {NEAR_NOON_MINUTES:.0f} min "
            f"of solar noon (e.g. {w.start_local} to {w.end_local}, noon at {noon} local). There "
            f"the sun's elevation hardly changes, so a shadow's length says little about the "
            f"time{azimuth}."
        )
    slow = [w for w in result.windows if _azimuth_pace(w, m) > SLOW_AZIMUTH]
    if m.bearing is not None and slow:
        first_slow = slow[0]
        still = _azimuth_pace(first_slow, m)
        out.append(
            f"Azimuth nearly still: in {len(slow)} window(s) (e.g. {first_slow.best_local}) the "
            f"sun's azimuth changes only 1° in {still:.0f} min "
            "(it climbs or sinks almost vertically, as in the tropics), so the shadow bearing "
            "says little about the time there; the shadow ratio narrows it."
        )
    if m.ratio is not None and m.bearing is None and len(result.windows) > 1:
        out.append(
            "Shadow length alone cannot tell morning from afternoon (the sun's elevation is "
            "symmetric about noon): each day has two windows; a shadow bearing decides."
        )
    per_day: dict[str, int] = {}
    for w in result.windows:
        per_day[w.date] = per_day.get(w.date, 0) + 1
    ambiguous = [d for d, n in per_day.items() if n > 1]
    if ambiguous and m.bearing is not None:
        out.append(
            f"Ambiguous: {len(ambiguous)} date(s) have more than one window (e.g. {ambiguous[0]}); "
            "report them all or add the other measurement to decide."
        )
    if any(w.sun_elevation < LOW_SUN_DEG for w in result.windows):
        out.append(
            f"Some windows have the sun below {LOW_SUN_DEG:g}° elevation: there real refraction "
            "can differ from the standard atmosphere by a few tenths of a degree, and long "
            "shadows on uneven ground mislead."
        )
    if not result.windows and max_el > 0:
        out.append(
            "No time on these dates puts the sun within the measured band. Check that the "
            "bearing is from true north (not magnetic), that the object is vertical and the "
            "ground level, the stated errors, and the dates."
        )
    return out


# --- entry point ---------------------------------------------------------------------------


def chronolocate(
    lat: float,
    lon: float,
    first: date,
    last: date | None = None,
    measurement: ShadowMeasurement | None = None,
    *,
    height_m: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> ChronoResult:
    """Every window on the local dates first..last in which the sun matches the measured shadow."""
    check_coordinates(lat, lon)
    m = (measurement or ShadowMeasurement()).checked()
    last = first if last is None else last
    if last < first:
        raise CadenaError("the last date is before the first")
    n_days = (last - first).days + 1
    if n_days > MAX_DAYS:
        raise CadenaError(f"at most {MAX_DAYS} days at once; split the range")
    zone_name = timezone_at(lat, lon)
    zone = ZoneInfo(zone_name)
    result = ChronoResult(lat, lon, height_m, zone_name, first, last, m)
    all_days: list[_Day] = []
    block = 31
    for offset in range(0, n_days, block):
        days = [first + timedelta(days=offset + i) for i in range(min(block, n_days - offset))]
        scanned = _scan_days(days, zone, lat, lon, height_m, m)
        for day in scanned:
            result.windows.extend(_windows_of_day(day, zone, lat, lon, height_m, m))
        all_days.extend(scanned)
        if progress is not None:
            progress(min(offset + block, n_days), n_days)
    result.warnings = _warnings(result, all_days)
    return result


# --- picture -------------------------------------------------------------------------------


def plot_day(result: ChronoResult, out_path: str, day: date | None = None) -> str:
    """A PNG of the sun's azimuth and elevation over one local day with the measured bands.

    The day is the first with a window (else the first date). For a range of dates a third panel
    shows every date's windows, so one sees on which dates and at what hours the sun matches.
    Returns the path written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    zone = ZoneInfo(result.timezone)
    if day is None:
        day = date.fromisoformat(result.windows[0].date) if result.windows else result.first_date
    start, end = local_day_bounds(day, zone)
    t = np.arange(start, end, 60.0)
    pos = sun_position(t, result.latitude, result.longitude, height_m=result.height_m)
    hours = (t - start) / 3600
    several = result.last_date > result.first_date
    fig, axes = plt.subplots(
        3 if several else 2, 1, figsize=(9, 9.5 if several else 6.5), squeeze=False
    )
    ax_az, ax_el = axes[0, 0], axes[1, 0]
    _plot_azimuth(ax_az, hours, pos.azimuth, pos.elevation, result.measurement)
    _plot_elevation(ax_el, hours, pos.elevation, result.measurement)
    ax_el.set_xlabel(f"local time ({result.timezone}), {day.isoformat()}")
    for w in result.windows:
        if w.date == day.isoformat():
            w0, w1 = (_local_hours(x, start) for x in (w.start, w.end))
            for ax in (ax_az, ax_el):
                ax.axvspan(w0, max(w1, w0 + 0.02), color="k", alpha=0.15)
    ax_az.set_title(
        f"Sun at {result.latitude:.5f}, {result.longitude:.5f}: measured bands (k = 2) "
        "and matching windows (grey)"
    )
    if several:
        _plot_dates(axes[2, 0], result, zone)
    fig.tight_layout()
    fig.savefig(
        out_path,
        dpi=110,
        metadata={"Software": f"{TOOL} {TOOL_VERSION}", "Description": METHOD},
    )
    plt.close(fig)
    return out_path


def _local_hours(iso: str, day_start: float) -> float:
    return (datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() - day_start) / 3600


def _hour_axis(ax: Any) -> None:
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2))


def _plot_azimuth(
    ax: Any, hours: FloatArray, azimuth: FloatArray, elevation: FloatArray, m: ShadowMeasurement
) -> None:
    up = elevation > 0
    # Where the sun culminates in the north (southern hemisphere, much of the tropics) an axis
    # centred on north keeps the afternoon from wrapping round to the top of the plot.
    north = math.cos(math.radians(float(azimuth[int(np.argmax(elevation))]))) > 0
    lo_axis = -180.0 if north else 0.0
    az = (azimuth - lo_axis) % 360 + lo_axis
    az[1:][np.abs(np.diff(az)) > 180] = np.nan  # no vertical stroke where the axis wraps
    ax.plot(hours, np.where(up, az, np.nan), color="tab:orange", label="sun azimuth")
    ax.plot(hours, np.where(up, np.nan, az), color="0.7", lw=0.8, label="(sun down)")
    if m.sun_azimuth is not None:
        target = (m.sun_azimuth - lo_axis) % 360 + lo_axis
        for shift in (-360, 0, 360):
            lo, hi = target - m.bearing_error + shift, target + m.bearing_error + shift
            ax.axhspan(lo, hi, color="tab:blue", alpha=0.25)
        ax.axhline(target, color="tab:blue", lw=1, label="shadow bearing + 180°")
    ticks = np.arange(lo_axis, lo_axis + 361, 45)
    ax.set_ylim(lo_axis, lo_axis + 360)
    ax.set_yticks(ticks, [f"{t % 360:.0f}" for t in ticks])
    ax.set_ylabel("azimuth (° from true north)")
    _hour_axis(ax)
    ax.legend(loc="upper left", fontsize=8)


def _plot_elevation(
    ax: Any, hours: FloatArray, elevation: FloatArray, m: ShadowMeasurement
) -> None:
    ax.plot(hours, elevation, color="tab:red", label="sun apparent elevation")
    ax.axhline(0, color="0.5", lw=0.8)
    band = m.elevation_band
    if band is not None and m.ratio is not None:
        ax.axhspan(band[0], band[1], color="tab:green", alpha=0.25)
        ax.axhline(_elev(m.ratio), color="tab:green", lw=1, label="atan(1 / shadow ratio)")
    ax.set_ylim(-10, 90)
    ax.set_ylabel("elevation (°)")
    _hour_axis(ax)
    ax.legend(loc="upper left", fontsize=8)


def _plot_dates(ax: Any, result: ChronoResult, zone: ZoneInfo) -> None:
    """Every date's windows as vertical bars: local date across, local time of day up."""
    for w in result.windows:
        d = date.fromisoformat(w.date)
        day_start = local_day_bounds(d, zone)[0]
        lo, hi = (_local_hours(x, day_start) for x in (w.start, w.end))
        ax.vlines(d.toordinal(), lo, max(hi, lo + 0.05), color="k", lw=2)
    first, last = result.first_date.toordinal(), result.last_date.toordinal()
    ax.set_xlim(first - 0.5, last + 0.5)
    ticks = np.unique(np.linspace(first, last, min(8, last - first + 1)).round().astype(int))
    ax.set_xticks(ticks, [date.fromordinal(int(t)).isoformat() for t in ticks], fontsize=8)
    ax.set_ylim(0, 24)
    ax.set_yticks(range(0, 25, 3))
    ax.set_ylabel("local time (h)")
    ax.set_title(f"Matching windows by date ({len(result.windows)} in all)", fontsize=10)
    ax.grid(alpha=0.3)

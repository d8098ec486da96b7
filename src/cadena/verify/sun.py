"""Sun position by NREL's Solar Position Algorithm (SPA), vectorised in NumPy.

The algorithm is Reda & Andreas, "Solar position algorithm for solar radiation applications",
Solar Energy 76(5):577-589, 2004 (NREL/TP-560-34302), with its 2007 corrigendum; the periodic
term tables below are that paper's (the same ones pvlib's `spa_python` uses).

Why our own implementation: the expensive part of SPA (about 250 periodic terms for the Earth's
heliocentric position and the nutation) depends on time alone and varies smoothly over days. For
large batches we evaluate it exactly on a half-day grid of nodes and interpolate with a cubic
through four nodes (error below 1e-6 degree, see tests), then do the place-dependent part
exactly for every position. That runs about two million positions a second on one core, where
evaluating every term for every position (pvlib's NumPy path) manages about a quarter million.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cadena.errors import CadenaError

FloatArray = NDArray[np.float64]

TOOL = "cadena.verify.sun"
TOOL_VERSION = "0.1.0"
METHOD = "NREL SPA (Reda & Andreas 2004, corrigendum 2007), NumPy implementation"

# Periodic terms: per table one row "A B C" (term A*cos(B + C*JME)); nutation rows are
# "Y0 Y1 Y2 Y3 Y4 | a b c d".
_TABLES = """
L0
    175347046 0 0
    3341656 4.6692568 6283.07585
    34894 4.6261 12566.1517
    3497 2.7441 5753.3849
    3418 2.8289 3.5231
    3136 3.6277 77713.7715
    2676 4.4181 7860.4194
    2343 6.1352 3930.2097
    1324 0.7425 11506.7698
    1273 2.0371 529.691
    1199 1.1096 1577.3435
    990 5.233 5884.927
    902 2.045 26.298
    857 3.508 398.149
    780 1.179 5223.694
    753 2.533 5507.553
    505 4.583 18849.228
    492 4.205 775.523
    357 2.92 0.067
    317 5.849 11790.629
    284 1.899 796.298
    271 0.315 10977.079
    243 0.345 5486.778
    206 4.806 2544.314
    205 1.869 5573.143
    202 2.458 6069.777
    156 0.833 213.299
    132 3.411 2942.463
    126 1.083 20.775
    115 0.645 0.98
    103 0.636 4694.003
    102 0.976 15720.839
    102 4.267 7.114
    99 6.21 2146.17
    98 0.68 155.42
    86 5.98 161000.69
    85 1.3 6275.96
    85 3.67 71430.7
    80 1.81 17260.15
    79 3.04 12036.46
    75 1.76 5088.63
    74 3.5 3154.69
    74 4.68 801.82
    70 0.83 9437.76
    62 3.98 8827.39
    61 1.82 7084.9
    57 2.78 6286.6
    56 4.39 14143.5
    56 3.47 6279.55
    52 0.19 12139.55
    52 1.33 1748.02
    51 0.28 5856.48
    49 0.49 1194.45
    41 5.37 8429.24
    41 2.4 19651.05
    39 6.17 10447.39
    37 6.04 10213.29
    37 2.57 1059.38
    36 1.71 2352.87
    36 1.78 6812.77
    33 0.59 17789.85
    30 0.44 83996.85
    30 2.74 1349.87
    25 3.16 4690.48
L1
    628331966747 0 0
    206059 2.678235 6283.07585
    4303 2.6351 12566.1517
    425 1.59 3.523
    119 5.796 26.298
    109 2.966 1577.344
    93 2.59 18849.23
    72 1.14 529.69
    68 1.87 398.15
    67 4.41 5507.55
    59 2.89 5223.69
    56 2.17 155.42
    45 0.4 796.3
    36 0.47 775.52
    29 2.65 7.11
    21 5.34 0.98
    19 1.85 5486.78
    19 4.97 213.3
    17 2.99 6275.96
    16 0.03 2544.31
    16 1.43 2146.17
    15 1.21 10977.08
    12 2.83 1748.02
    12 3.26 5088.63
    12 5.27 1194.45
    12 2.08 4694
    11 0.77 553.57
    10 1.3 6286.6
    10 4.24 1349.87
    9 2.7 242.73
    9 5.64 951.72
    8 5.3 2352.87
    6 2.65 9437.76
    6 4.67 4690.48
L2
    52919 0 0
    8720 1.0721 6283.0758
    309 0.867 12566.152
    27 0.05 3.52
    16 5.19 26.3
    16 3.68 155.42
    10 0.76 18849.23
    9 2.06 77713.77
    7 0.83 775.52
    5 4.66 1577.34
    4 1.03 7.11
    4 3.44 5573.14
    3 5.14 796.3
    3 6.05 5507.55
    3 1.19 242.73
    3 6.12 529.69
    3 0.31 398.15
    3 2.28 553.57
    2 4.38 5223.69
    2 3.75 0.98
L3
    289 5.844 6283.076
    35 0 0
    17 5.49 12566.15
    3 5.2 155.42
    1 4.72 3.52
    1 5.3 18849.23
    1 5.97 242.73
L4
    114 3.142 0
    8 4.13 6283.08
    1 3.84 12566.15
L5
    1 3.14 0
B0
    280 3.199 84334.662
    102 5.422 5507.553
    80 3.88 5223.69
    44 3.7 2352.87
    32 4 1577.34
B1
    9 3.9 5507.55
    6 1.73 5223.69
R0
    100013989 0 0
    1670700 3.0984635 6283.07585
    13956 3.05525 12566.1517
    3084 5.1985 77713.7715
    1628 1.1739 5753.3849
    1576 2.8469 7860.4194
    925 5.453 11506.77
    542 4.564 3930.21
    472 3.661 5884.927
    346 0.964 5507.553
    329 5.9 5223.694
    307 0.299 5573.143
    243 4.273 11790.629
    212 5.847 1577.344
    186 5.022 10977.079
    175 3.012 18849.228
    110 5.055 5486.778
    98 0.89 6069.78
    86 5.69 15720.84
    86 1.27 161000.69
    65 0.27 17260.15
    63 0.92 529.69
    57 2.01 83996.85
    56 5.24 71430.7
    49 3.25 2544.31
    47 2.58 775.52
    45 5.54 9437.76
    43 6.01 6275.96
    39 5.36 4694
    38 2.39 8827.39
    37 0.83 19651.05
    37 4.9 12139.55
    36 1.67 12036.46
    35 1.84 2942.46
    33 0.24 7084.9
    32 0.18 5088.63
    32 1.78 398.15
    28 1.21 6286.6
    28 1.9 6279.55
    26 4.59 10447.39
R1
    103019 1.10749 6283.07585
    1721 1.0644 12566.1517
    702 3.142 0
    32 1.02 18849.23
    31 2.84 5507.55
    25 1.32 5223.69
    18 1.42 1577.34
    10 5.91 10977.08
    9 1.42 6275.96
    9 0.27 5486.78
R2
    4359 5.7846 6283.0758
    124 5.579 12566.152
    12 3.14 0
    9 3.63 77713.77
    6 1.87 5573.14
    3 5.47 18849.23
R3
    145 4.273 6283.076
    7 3.92 12566.15
R4
    4 2.56 6283.08
NUTATION
    0 0 0 0 1 | -171996 -174.2 92025 8.9
    -2 0 0 2 2 | -13187 -1.6 5736 -3.1
    0 0 0 2 2 | -2274 -0.2 977 -0.5
    0 0 0 0 2 | 2062 0.2 -895 0.5
    0 1 0 0 0 | 1426 -3.4 54 -0.1
    0 0 1 0 0 | 712 0.1 -7 0
    -2 1 0 2 2 | -517 1.2 224 -0.6
    0 0 0 2 1 | -386 -0.4 200 0
    0 0 1 2 2 | -301 0 129 -0.1
    -2 -1 0 2 2 | 217 -0.5 -95 0.3
    -2 0 1 0 0 | -158 0 0 0
    -2 0 0 2 1 | 129 0.1 -70 0
    0 0 -1 2 2 | 123 0 -53 0
    2 0 0 0 0 | 63 0 0 0
    0 0 1 0 1 | 63 0.1 -33 0
    2 0 -1 2 2 | -59 0 26 0
    0 0 -1 0 1 | -58 -0.1 32 0
    0 0 1 2 1 | -51 0 27 0
    -2 0 2 0 0 | 48 0 0 0
    0 0 -2 2 1 | 46 0 -24 0
    2 0 0 2 2 | -38 0 16 0
    0 0 2 2 2 | -31 0 13 0
    0 0 2 0 0 | 29 0 0 0
    -2 0 1 2 2 | 29 0 -12 0
    0 0 0 2 0 | 26 0 0 0
    -2 0 0 2 0 | -22 0 0 0
    0 0 -1 2 1 | 21 0 -10 0
    0 2 0 0 0 | 17 -0.1 0 0
    2 0 -1 0 1 | 16 0 -8 0
    -2 2 0 2 2 | -16 0.1 7 0
    0 1 0 0 1 | -15 0 9 0
    -2 0 1 0 1 | -13 0 7 0
    0 -1 0 0 1 | -12 0 6 0
    0 0 2 -2 0 | 11 0 0 0
    2 0 -1 2 1 | -10 0 5 0
    2 0 1 2 2 | -8 0 3 0
    0 1 0 2 2 | 7 0 -3 0
    -2 1 1 0 0 | -7 0 0 0
    0 -1 0 2 2 | -7 0 3 0
    2 0 0 2 1 | -7 0 3 0
    2 0 1 0 0 | 6 0 0 0
    -2 0 2 2 2 | 6 0 -3 0
    -2 0 1 2 1 | 6 0 -3 0
    2 0 -2 0 1 | -6 0 3 0
    2 0 0 0 1 | -6 0 3 0
    0 -1 1 0 0 | 5 0 0 0
    -2 -1 0 2 1 | -5 0 3 0
    -2 0 0 0 1 | -5 0 3 0
    0 0 2 2 1 | -5 0 3 0
    -2 0 2 0 1 | 4 0 0 0
    -2 1 0 2 1 | 4 0 0 0
    0 0 1 -2 0 | 4 0 0 0
    -1 0 1 0 0 | -4 0 0 0
    -2 1 0 0 0 | -4 0 0 0
    1 0 0 0 0 | -4 0 0 0
    0 0 1 2 0 | 3 0 0 0
    0 0 -2 2 2 | -3 0 0 0
    -1 -1 1 0 0 | -3 0 0 0
    0 1 1 0 0 | -3 0 0 0
    0 -1 1 2 2 | -3 0 0 0
    2 -1 -1 2 2 | -3 0 0 0
    0 0 3 2 2 | -3 0 0 0
    2 -1 0 2 2 | -3 0 0 0
"""


def _parse_tables() -> tuple[dict[str, FloatArray], FloatArray, FloatArray]:
    series: dict[str, list[list[float]]] = {}
    y_rows: list[list[float]] = []
    abcd_rows: list[list[float]] = []
    current = ""
    for line in _TABLES.strip().splitlines():
        if not line.startswith(" "):
            current = line.strip()
            continue
        if current == "NUTATION":
            y, abcd = line.split("|")
            y_rows.append([float(v) for v in y.split()])
            abcd_rows.append([float(v) for v in abcd.split()])
        else:
            series.setdefault(current, []).append([float(v) for v in line.split()])
    arrays = {name: np.array(rows) for name, rows in series.items()}
    return arrays, np.array(y_rows), np.array(abcd_rows)


_SERIES, _NUT_Y, _NUT_ABCD = _parse_tables()
_L = [_SERIES[f"L{i}"] for i in range(6)]
_B = [_SERIES[f"B{i}"] for i in range(2)]
_R = [_SERIES[f"R{i}"] for i in range(5)]

_UNIX_EPOCH_JD = 2440587.5
_J2000 = 2451545.0
_NODE_STEP_DAYS = 0.5  # interpolation grid for the time-only part; see module docstring
_CHUNK = 1 << 16  # positions per pass: keeps the temporaries in cache


@dataclass(frozen=True)
class SunPosition:
    """Sun positions in degrees, one value per input position (NumPy arrays).

    `azimuth` is measured clockwise from true north (0-360); `elevation` and `zenith` are
    apparent (refraction included, as a shadow sees the sun); `elevation_true` is without it.
    """

    azimuth: FloatArray
    elevation: FloatArray
    zenith: FloatArray
    elevation_true: FloatArray


# --- time ---------------------------------------------------------------------------------


def parse_time(value: str | datetime | date) -> datetime:
    """An aware UTC datetime from ISO 8601 text or a datetime; naive times are refused.

    A date alone is not a time: it is refused, so nobody computes the sun at midnight by accident.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        raise CadenaError(f"{value} is a date, not a time; give a time with its offset")
    else:
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CadenaError(
                f"{value!r} is not an ISO 8601 time; write e.g. 2019-11-15T16:30:00-05:00 or "
                "2019-11-15T21:30:00Z"
            ) from None
    if moment.tzinfo is None:
        raise CadenaError(
            f"{value!s} has no UTC offset; add one (e.g. Z or -05:00) so the time is unambiguous"
        )
    return moment.astimezone(UTC)


def to_unix_seconds(times: ArrayLike | datetime | str | Iterable[datetime]) -> FloatArray:
    """Seconds since 1970-01-01T00:00Z as float64, from datetimes, ISO text, datetime64 or numbers.

    numpy datetime64 values are taken as UTC (they carry no zone); Python datetimes must be aware.
    """
    if isinstance(times, (str, datetime)):
        return np.array([parse_time(times).timestamp()])
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]").astype(np.int64).astype(np.float64) / 1e9
    if arr.dtype.kind == "O" or arr.dtype.kind == "U":
        return np.array([parse_time(v).timestamp() for v in arr.ravel()]).reshape(arr.shape)
    return np.asarray(arr, dtype=np.float64)


def delta_t_seconds(unix_seconds: ArrayLike) -> FloatArray:
    """TT - UT (seconds) by Espenak & Meeus's polynomials for the years 1986-2150.

    The same model (by year and month) as pvlib's `calculate_deltat`; outside 1986-2150 we fall back
    to the long-term parabola, which is what matters only for historical or far-future dates.
    """
    ut = np.asarray(unix_seconds, dtype=np.float64)
    moments = ut.astype("datetime64[s]")
    year = moments.astype("datetime64[Y]").astype(np.int64) + 1970
    month = moments.astype("datetime64[M]").astype(np.int64) % 12 + 1
    y = year + (month - 0.5) / 12
    t = y - 2000
    long_term = -20 + 32 * ((y - 1820) / 100) ** 2
    return np.select(
        [year < 1986, year < 2005, year < 2050, year < 2150],
        [
            long_term,
            63.86
            + 0.3345 * t
            - 0.060374 * t**2
            + 0.0017275 * t**3
            + 0.000651814 * t**4
            + 0.00002373599 * t**5,
            62.92 + 0.32217 * t + 0.005589 * t**2,
            long_term - 0.5628 * (2150 - y),
        ],
        long_term,
    )


# --- the time-only (geocentric) part ---------------------------------------------------------


def _series_sum(tables: list[FloatArray], jme: FloatArray) -> FloatArray:
    total = np.zeros_like(jme)
    power = np.ones_like(jme)
    for table in tables:
        terms = table[:, 0:1] * np.cos(table[:, 1:2] + table[:, 2:3] * jme[None, :])
        total += terms.sum(axis=0) * power
        power = power * jme
    return total / 1e8


def _nutation(jce: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = np.stack(
        [
            297.85036 + 445267.111480 * jce - 0.0019142 * jce**2 + jce**3 / 189474,
            357.52772 + 35999.050340 * jce - 0.0001603 * jce**2 - jce**3 / 300000,
            134.96298 + 477198.867398 * jce + 0.0086972 * jce**2 + jce**3 / 56250,
            93.27191 + 483202.017538 * jce - 0.0036825 * jce**2 + jce**3 / 327270,
            125.04452 - 1934.136261 * jce + 0.0020708 * jce**2 + jce**3 / 450000,
        ]
    )
    arg = np.radians(_NUT_Y @ x)
    a, b, c, d = (_NUT_ABCD[:, i : i + 1] for i in range(4))
    delta_psi = ((a + b * jce) * np.sin(arg)).sum(axis=0) / 36e6
    delta_eps = ((c + d * jce) * np.cos(arg)).sum(axis=0) / 36e6
    return delta_psi, delta_eps


def _geocentric_exact(jd: FloatArray, delta_t: FloatArray) -> dict[str, FloatArray]:
    """Right ascension, declination, nutation in sidereal time, parallax: every term evaluated."""
    parts: list[dict[str, FloatArray]] = []
    for start in range(0, jd.size, 4096):
        parts.append(_geocentric_block(jd[start : start + 4096], delta_t[start : start + 4096]))
    if not parts:
        return {k: np.empty(0) for k in ("alpha", "sin_d", "cos_d", "nu_corr", "sin_xi")}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _geocentric_block(jd: FloatArray, delta_t: FloatArray) -> dict[str, FloatArray]:
    jde = jd + delta_t / 86400
    jce = (jde - _J2000) / 36525
    jme = jce / 10
    helio_lon = np.degrees(_series_sum(_L, jme)) % 360
    helio_lat = np.degrees(_series_sum(_B, jme))
    radius = _series_sum(_R, jme)
    theta = (helio_lon + 180) % 360
    beta = np.radians(-helio_lat)
    delta_psi, delta_eps = _nutation(jce)
    u = jme / 10
    eps0 = (
        84381.448
        - 4680.93 * u
        - 1.55 * u**2
        + 1999.25 * u**3
        - 51.38 * u**4
        - 249.67 * u**5
        - 39.05 * u**6
        + 7.12 * u**7
        + 27.87 * u**8
        + 5.79 * u**9
        + 2.45 * u**10
    )
    eps = np.radians(eps0 / 3600 + delta_eps)
    lam = np.radians(theta + delta_psi - 20.4898 / (3600 * radius))
    alpha = (
        np.degrees(np.arctan2(np.sin(lam) * np.cos(eps) - np.tan(beta) * np.sin(eps), np.cos(lam)))
        % 360
    )
    decl = np.arcsin(np.sin(beta) * np.cos(eps) + np.cos(beta) * np.sin(eps) * np.sin(lam))
    return {
        "alpha": alpha,
        "sin_d": np.sin(decl),
        "cos_d": np.cos(decl),
        "nu_corr": delta_psi * np.cos(eps),
        "sin_xi": np.sin(np.radians(8.794 / (3600 * radius))),
    }


@dataclass(frozen=True)
class _NodeGrid:
    """The geocentric part evaluated exactly on evenly spaced nodes, to interpolate from."""

    start: float  # jd of the first position; node i sits at start + (i - 1) * step
    values: dict[str, FloatArray]

    def at(self, jd: FloatArray) -> dict[str, FloatArray]:
        # Cubic Lagrange through nodes k-1, k, k+1, k+2 (array index k..k+3), frac in [0, 1).
        pos = (jd - self.start) * (1 / _NODE_STEP_DAYS)
        k = pos.astype(np.int64)  # pos >= 0, so truncation is floor
        f = pos - k
        fm1, fm2, fp1 = f - 1, f - 2, f + 1
        w0 = f * fm1 * fm2 * (-1 / 6)
        w1 = fp1 * fm1 * fm2 * 0.5
        w2 = fp1 * f * fm2 * -0.5
        w3 = fp1 * f * fm1 * (1 / 6)
        out = {}
        for name, v in self.values.items():
            out[name] = w0 * v[k] + w1 * v[k + 1] + w2 * v[k + 2] + w3 * v[k + 3]
        return out


def _node_grid(jd: FloatArray, delta_t: FloatArray | None) -> _NodeGrid | None:
    """Half-day nodes over the positions' time span, or None when exact is as cheap.

    `delta_t` None means the delta T model, evaluated at the nodes; a caller's own value must be
    one number for all positions (a per-position delta T cannot share a grid).
    """
    if delta_t is not None and np.ptp(delta_t) > 0:
        return None
    start = float(jd.min())
    n_nodes = int((float(jd.max()) - start) / _NODE_STEP_DAYS) + 4
    if n_nodes >= jd.size:
        return None
    node_jd: FloatArray = start + (np.arange(n_nodes, dtype=np.float64) - 1) * _NODE_STEP_DAYS
    node_dt = (
        delta_t_seconds((node_jd - _UNIX_EPOCH_JD) * 86400)
        if delta_t is None
        else np.full(n_nodes, float(delta_t.flat[0]))
    )
    nodes = _geocentric_exact(node_jd, node_dt)
    nodes["alpha"] = np.degrees(np.unwrap(np.radians(nodes["alpha"])))
    return _NodeGrid(start, nodes)


# --- the place-dependent (topocentric) part --------------------------------------------------


def _topocentric(
    jd: FloatArray,
    geo: dict[str, FloatArray],
    lat: FloatArray,
    lon: FloatArray,
    height: FloatArray,
    pressure: float,
    temperature: float,
    refraction_at_horizon: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    jc = (jd - _J2000) / 36525
    nu0 = (
        280.46061837 + 360.98564736629 * (jd - _J2000) + 0.000387933 * jc**2 - jc**3 / 38710000
    ) % 360
    hour = np.radians((nu0 + geo["nu_corr"] + lon - geo["alpha"]) % 360)
    sin_h, cos_h = np.sin(hour), np.cos(hour)
    phi = np.radians(lat)
    sin_phi, cos_phi = np.sin(phi), np.cos(phi)
    u = np.arctan(0.99664719 * np.tan(phi))
    x = np.cos(u) + height / 6378140 * cos_phi
    y = 0.99664719 * np.sin(u) + height / 6378140 * sin_phi
    sin_d, cos_d, sin_xi = geo["sin_d"], geo["cos_d"], geo["sin_xi"]
    # Parallax in right ascension: the angle's sine and cosine come from its tangent's two parts,
    # so H' = H - delta_alpha needs no further trigonometric call.
    den = cos_d - x * sin_xi * cos_h
    num = -x * sin_xi * sin_h
    norm = np.sqrt(num * num + den * den)
    sin_da, cos_da = num / norm, den / norm
    sin_hp = sin_h * cos_da - cos_h * sin_da
    cos_hp = cos_h * cos_da + sin_h * sin_da
    dec_num = (sin_d - y * sin_xi) * cos_da
    dec_norm = np.sqrt(dec_num * dec_num + den * den)
    sin_dp, cos_dp = dec_num / dec_norm, den / dec_norm
    e0 = np.degrees(np.arcsin(np.clip(sin_phi * sin_dp + cos_phi * cos_dp * cos_hp, -1, 1)))
    refraction = (
        (pressure / 1010.0)
        * (283.0 / (273 + temperature))
        * 1.02
        / (60 * np.tan(np.radians(e0 + 10.3 / (e0 + 5.11))))
    )
    elevation = e0 + np.where(e0 >= -(0.26667 + refraction_at_horizon), refraction, 0.0)
    gamma = np.degrees(np.arctan2(sin_hp, cos_hp * sin_phi - sin_dp / cos_dp * cos_phi))
    azimuth = (gamma + 180) % 360
    return azimuth, elevation, e0


def sun_position(
    times: ArrayLike | datetime | str,
    lat: ArrayLike,
    lon: ArrayLike,
    *,
    height_m: ArrayLike = 0.0,
    pressure_hpa: float = 1013.25,
    temperature_c: float = 12.0,
    delta_t: ArrayLike | None = None,
    refraction_at_horizon: float = 0.5667,
    exact: bool = False,
) -> SunPosition:
    """The sun's azimuth and apparent elevation seen from (lat, lon) at the given UTC times.

    Arrays broadcast against each other (one place and many times, or many of both). `delta_t`
    (TT - UT, seconds) defaults to the Espenak & Meeus model as pvlib uses it; pressure and
    temperature only affect refraction. `exact=True` evaluates every SPA term for every position
    instead of interpolating the time-only part (the results agree to about 1e-7 degree).
    """
    unix = to_unix_seconds(times)
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    height_a = np.asarray(height_m, dtype=np.float64)
    check_coordinates(lat_a, lon_a)
    shape = np.broadcast_shapes(unix.shape, lat_a.shape, lon_a.shape, height_a.shape)
    jd = np.broadcast_to(unix, shape).ravel() / 86400 + _UNIX_EPOCH_JD
    # A place given once stays a scalar: its terms are then computed once, not per position.
    place = [
        a if a.ndim == 0 else np.broadcast_to(a, shape).ravel() for a in (lat_a, lon_a, height_a)
    ]
    given_dt = (
        None if delta_t is None else np.broadcast_to(np.asarray(delta_t, float), shape).ravel()
    )
    grid = None if exact or jd.size == 0 else _node_grid(jd, given_dt)
    exact_geo: dict[str, FloatArray] = {}
    if grid is None:
        dt = delta_t_seconds(np.broadcast_to(unix, shape).ravel()) if given_dt is None else given_dt
        exact_geo = _geocentric_exact(jd, np.ascontiguousarray(dt))
    az = np.empty(jd.size)
    el = np.empty(jd.size)
    el0 = np.empty(jd.size)
    for s in range(0, jd.size, _CHUNK):
        sl = slice(s, s + _CHUNK)
        geo = grid.at(jd[sl]) if grid is not None else {k: v[sl] for k, v in exact_geo.items()}
        lat_c, lon_c, height_c = (a if a.ndim == 0 else a[sl] for a in place)
        az[sl], el[sl], el0[sl] = _topocentric(
            jd[sl], geo, lat_c, lon_c, height_c, pressure_hpa, temperature_c, refraction_at_horizon
        )
    elevation = el.reshape(shape)
    return SunPosition(
        azimuth=az.reshape(shape),
        elevation=elevation,
        zenith=90 - elevation,
        elevation_true=el0.reshape(shape),
    )


def check_coordinates(lat: ArrayLike, lon: ArrayLike) -> None:
    """Refuse latitudes outside [-90, 90] and longitudes outside [-180, 360), saying so."""
    lat_a, lon_a = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    if not np.all(np.isfinite(lat_a)) or np.any(np.abs(lat_a) > 90):
        raise CadenaError(f"latitude must be between -90 and 90 degrees (got {_first_bad(lat_a)})")
    if not np.all(np.isfinite(lon_a)) or np.any((lon_a < -180) | (lon_a > 360)):
        raise CadenaError(
            f"longitude must be between -180 and 180 degrees (got {_first_bad(lon_a, 180)})"
        )


def _first_bad(values: FloatArray, limit: float = 90) -> float:
    flat = values.ravel()
    bad = flat[~np.isfinite(flat) | (np.abs(flat) > limit)]
    return float(bad[0]) if bad.size else float(flat[0])


# --- time zone ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _finder() -> Any:
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@lru_cache(maxsize=4096)
def timezone_at(lat: float, lon: float) -> str:
    """The IANA time zone at a place (timezonefinder's offline boundaries).

    At sea, timezonefinder answers with the nautical zone (Etc/GMT+5 etc.); where it has no answer
    we use the nautical zone of the longitude ourselves, so a zone is always returned.
    """
    check_coordinates(lat, lon)
    lon_w = ((lon + 180) % 360) - 180
    name = _finder().timezone_at(lng=lon_w, lat=lat)
    if name:
        return str(name)
    offset = -round(lon_w / 15)  # POSIX sign: Etc/GMT+5 is five hours behind UTC
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{offset:+d}"


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[float, float]:
    """Unix seconds of local midnight starting `day` and the next (23 or 25 h apart on DST days)."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return start.timestamp(), end.timestamp()


SUNRISE_ELEVATION = -0.8333  # geometric centre: refraction 0.5667° + semi-diameter 0.2667°


def day_events(
    lat: float, lon: float, day: date, zone: ZoneInfo, *, height_m: float = 0.0
) -> dict[str, str | None]:
    """Local sunrise, solar noon and sunset (ISO 8601 with offset; None when there is none).

    Sunrise and sunset use the usual convention (upper limb on a level horizon, standard
    refraction), found on a 30 s grid and interpolated to the second.
    """
    start, end = local_day_bounds(day, zone)
    t = np.arange(start, end, 30.0)
    pos = sun_position(t, lat, lon, height_m=height_m)
    e = pos.elevation_true - SUNRISE_ELEVATION
    up = e >= 0
    rises = np.flatnonzero(~up[:-1] & up[1:])
    sets = np.flatnonzero(up[:-1] & ~up[1:])

    def crossing(idx: NDArray[np.intp]) -> str | None:
        if idx.size == 0:
            return None
        i = int(idx[0])
        x = float(t[i] + e[i] / (e[i] - e[i + 1]) * (t[i + 1] - t[i]))
        return datetime.fromtimestamp(round(x), tz=zone).isoformat()

    i = int(np.clip(np.argmax(pos.elevation_true), 1, t.size - 2))
    y0, y1, y2 = pos.elevation_true[i - 1 : i + 2]
    curve = y0 - 2 * y1 + y2
    shift = 0.5 * (y0 - y2) / curve if curve < 0 else 0.0  # vertex of the parabola
    noon = float(t[i] + shift * (t[i + 1] - t[i]))
    return {
        "sunrise_local": crossing(rises),
        "solar_noon_local": datetime.fromtimestamp(round(noon), tz=zone).isoformat(),
        "sunset_local": crossing(sets),
    }


def sun_at(lat: float, lon: float, at: str | datetime, *, height_m: float = 0.0) -> dict[str, Any]:
    """One position as a record: what `cadena sun` prints (stable keys)."""
    moment = parse_time(at)
    zone = timezone_at(lat, lon)
    pos = sun_position(moment, lat, lon, height_m=height_m, exact=True)
    local = moment.astimezone(ZoneInfo(zone))
    events = day_events(lat, lon, local.date(), ZoneInfo(zone), height_m=height_m)
    return {
        "latitude": lat,
        "longitude": lon,
        "height_m": height_m,
        "time": moment.isoformat().replace("+00:00", "Z"),
        "local_time": local.isoformat(),
        "timezone": zone,
        "azimuth": round(float(pos.azimuth[0]), 5),
        "elevation": round(float(pos.elevation[0]), 5),
        "zenith": round(float(pos.zenith[0]), 5),
        "elevation_true": round(float(pos.elevation_true[0]), 5),
        **events,
        "method": METHOD,
        "assumptions": [
            "azimuth from true north, clockwise; elevation and zenith apparent (refraction for "
            "1013.25 hPa and 12 °C, as NREL SPA's defaults)",
            "delta T (TT - UT) from Espenak & Meeus's polynomial model",
        ],
        "tool": TOOL,
        "tool_version": TOOL_VERSION,
    }

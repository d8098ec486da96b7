"""Chronolocation calibration: do the reported windows contain the true time ≥ 95 % of the time?

Generated set: true instants at random places (latitudes -60..65, so about a third in the tropics)
and dates (2000-2030), the sun at least 3° up. For each, the shadow a vertical object casts then
(bearing, length ratio) is "measured" with an error drawn from the stated error: the stated error
is an expanded uncertainty at k = 2, so the draw is Gaussian with sigma = error / 2. Three kinds of
measurement: bearing only, ratio only, both. `chronolocate` scans the true local date; a case is
covered when a reported window contains the true time (to the second the windows are printed at).

Beside it, the anchor: the manual sun-calculator method, whose window is ±error × 4-8 minutes per
degree of azimuth error (the sun's average pace across the sky). We report our median window width
per degree of stated bearing error on the same cases.

Two stress sets say what happens when the error statement is wrong: errors uniform within ±error
(a bound; coverage should be ~100 %), and errors twice as large as stated (sigma = error).

    python benchmarks/verify_chrono.py [--cases 3000] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from cadena.verify.chrono import ShadowMeasurement, chronolocate
from cadena.verify.sun import sun_position, timezone_at

TROPIC = 23.44
BEARING_ERRORS = (1.0, 2.0, 3.0, 5.0)
RATIO_ERRORS = (0.03, 0.05, 0.10)  # as a fraction of the ratio


@dataclass
class Case:
    lat: float
    lon: float
    when: float  # unix seconds
    azimuth: float
    elevation: float


def true_cases(n: int, rng: np.random.Generator) -> list[Case]:
    out: list[Case] = []
    while len(out) < n:
        m = 4 * n
        lat = rng.uniform(-60, 65, m)
        lon = rng.uniform(-180, 180, m)
        when = rng.integers(946684800, 1893456000, m).astype(float)  # 2000..2030
        pos = sun_position(when, lat, lon)
        up = np.flatnonzero(pos.elevation >= 3)
        for i in up[: n - len(out)]:
            out.append(
                Case(
                    float(lat[i]),
                    float(lon[i]),
                    float(when[i]),
                    float(pos.azimuth[i]),
                    float(pos.elevation[i]),
                )
            )
    return out


def measure(
    case: Case, kind: str, rng: np.random.Generator, noise: str
) -> tuple[ShadowMeasurement, float]:
    b_err = float(rng.choice(BEARING_ERRORS))
    ratio = 1 / math.tan(math.radians(case.elevation))
    r_err = float(rng.choice(RATIO_ERRORS)) * ratio

    def draw(error: float) -> float:
        if noise == "uniform":
            return float(rng.uniform(-error, error))
        sigma = error / 2 if noise == "stated" else error
        return float(rng.normal(0, sigma))

    bearing = (case.azimuth - 180 + draw(b_err)) % 360 if kind != "ratio" else None
    measured_ratio = None
    if kind != "bearing":
        measured_ratio = ratio + draw(r_err)
        while measured_ratio <= 0:
            measured_ratio = ratio + draw(r_err)
    return ShadowMeasurement(bearing, b_err, measured_ratio, r_err), b_err


@dataclass
class Outcome:
    covered: bool
    tropics: bool
    width_min: float | None  # the window holding the truth
    per_degree: float | None  # its half-width per degree of stated bearing error
    windows: int
    best_offset_min: float | None  # |best-match time - true time| of the nearest window
    bearing_error: float


def run_case(case: Case, m: ShadowMeasurement, b_err: float) -> Outcome:
    zone = ZoneInfo(timezone_at(case.lat, case.lon))
    local_day = datetime.fromtimestamp(case.when, tz=UTC).astimezone(zone).date()
    result = chronolocate(case.lat, case.lon, local_day, measurement=m)
    hit = None
    offsets = []
    for w in result.windows:
        start = datetime.fromisoformat(w.start.replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(w.end.replace("Z", "+00:00")).timestamp()
        best = datetime.fromisoformat(w.best.replace("Z", "+00:00")).timestamp()
        offsets.append(abs(best - case.when) / 60)
        if start - 1 <= case.when <= end + 1:
            hit = w
    width = hit.duration_minutes if hit else None
    per_degree = width / 2 / b_err if (width is not None and m.ratio is None) else None
    return Outcome(
        hit is not None,
        abs(case.lat) < TROPIC,
        width,
        per_degree,
        len(result.windows),
        min(offsets) if offsets else None,
        b_err,
    )


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def report(label: str, outcomes: list[Outcome]) -> None:
    k, n = sum(o.covered for o in outcomes), len(outcomes)
    lo, hi = wilson(k, n)
    trop = [o for o in outcomes if o.tropics]
    rest = [o for o in outcomes if not o.tropics]
    widths = [o.width_min for o in outcomes if o.width_min is not None]
    in_trop = 100 * sum(o.covered for o in trop) / max(1, len(trop))
    in_rest = 100 * sum(o.covered for o in rest) / max(1, len(rest))
    print(
        f"  {label:24} {100 * k / n:6.2f} % [{100 * lo:5.1f}-{100 * hi:5.1f}]  "
        f"tropics {in_trop:6.2f} % (n={len(trop)}), elsewhere {in_rest:6.2f} %"
        f"  median width {statistics.median(widths) if widths else float('nan'):6.1f} min"
        f"  windows/case {statistics.mean(o.windows for o in outcomes):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases per kind of measurement")
    parser.add_argument("--stress", type=int, default=1000, help="cases per stress set")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {args.cases} cases per kind")
    t0 = time.perf_counter()
    cases = true_cases(args.cases, rng)
    print("Coverage of the true time (target ≥ 95 %; by construction 95.45 %), Wilson 95 % CI:")
    pooled: list[Outcome] = []
    by_kind: dict[str, list[Outcome]] = {}
    for kind in ("bearing", "ratio", "both"):
        outcomes = []
        for case in cases:
            m, b_err = measure(case, kind, rng, "stated")
            outcomes.append(run_case(case, m, b_err))
        by_kind[kind] = outcomes
        pooled += outcomes
        report(kind, outcomes)
    report("all kinds pooled", pooled)
    k, n = sum(o.covered for o in pooled), len(pooled)
    print(f"  target ≥ 95 % pooled: {'meets' if k / n >= 0.95 else 'MISSES'} ({100 * k / n:.2f} %)")

    per_degree = [o.per_degree for o in by_kind["bearing"] if o.per_degree is not None]
    q1, med, q3 = np.percentile(per_degree, [25, 50, 75])
    trop_pd = [o.per_degree for o in by_kind["bearing"] if o.per_degree is not None and o.tropics]
    rest_pd = [
        o.per_degree for o in by_kind["bearing"] if o.per_degree is not None and not o.tropics
    ]
    print("Window half-width per degree of stated bearing error (bearing only):")
    print(
        f"  ours: median {med:.1f} min/° (quartiles {q1:.1f}-{q3:.1f}); tropics "
        f"{statistics.median(trop_pd):.1f}, elsewhere {statistics.median(rest_pd):.1f}"
    )
    print("  manual sun-calculator method: ±4-8 min/° (same meaning: ±error x minutes per degree)")
    # The manual method on the same cases, generously centred on our best match nearest the truth.
    bearing_only = by_kind["bearing"]
    ours = 100 * sum(o.covered for o in bearing_only) / len(bearing_only)
    for pace in (4.0, 8.0):
        inside = sum(
            o.best_offset_min is not None and o.best_offset_min <= o.bearing_error * pace
            for o in bearing_only
        )
        print(
            f"  manual window ±error x {pace:g} min/°: covers the true time in "
            f"{100 * inside / len(bearing_only):.1f} % of the same cases (ours {ours:.1f} %)"
        )
    both = [o.width_min for o in by_kind["both"] if o.width_min is not None]
    print(f"  bearing and ratio together: median window {statistics.median(both):.1f} min")

    print(f"Stress sets ({args.stress} cases each, bearing and ratio together):")
    for noise, label in (("uniform", "errors uniform in ±error"), ("doubled", "errors 2x stated")):
        outcomes = []
        for case in cases[: args.stress]:
            m, b_err = measure(case, "both", rng, noise)
            outcomes.append(run_case(case, m, b_err))
        report(label, outcomes)
    print(f"elapsed {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

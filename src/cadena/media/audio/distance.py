"""Distance to the shooter from a bullet's crack and its muzzle blast, off the line of fire.

Near the line of fire the interval Δt between the crack and the blast gives the
distance directly, D = Δt·c·v/(v − c). A phone b metres off the bullet's path hears
the crack from the Mach cone, b·√(1/c² − 1/v²) later (≈ 2.5 ms per metre at 700 m/s),
so the same Δt means a greater distance (physics.crack_thump_range; the geometry of
Maher 2006, 2007). b is read from the crack itself: the N-wave lasts longer the farther
the path passed, T ∝ b^(1/4) (Whitham 1952), measured by nwave.py.

The rounds of one analysis are taken as one shooter's: one miss distance for all of
them, from their common N-wave duration (the mean of the readings within ±15 % of
their median: single readings scatter by a fraction of a sample, a reading far off is
a mis-fit), with the median crack–thump interval; if that pair admits no geometry,
each round gives its own distance and the report takes their median. The interval
covers the class's bullet-speed range and one reading's error. When fewer than half of the
pairs have a measurable N-wave (clipped, smeared by a codec, overlapped), the miss
distance is taken as unknown within ASSUMED_MISS_M and the interval covers that range:
`basis` says which.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import welch

from cadena.media.audio.decode import Source, probe, segments_at
from cadena.media.audio.features import SNIPPET_LEAD, Features
from cadena.media.audio.nwave import CUTOFF_HZ, Bullet, NWave, nwave_duration
from cadena.media.audio.physics import crack_thump_range, miss_from_nwave, speed_of_sound
from cadena.media.audio.weapons import SourceClass

# one reading's error (T measured against Whitham's T on generated cracks, 10 dB, WAV
# and AAC, seeds 2026 and 7): 81–82 % of plain readings within ±8 %, 92–98 % of clipped
# ones within ±12 %
NWAVE_REL_ERROR = 0.08
NWAVE_CLIPPED_REL_ERROR = 0.12
TRIM = 0.15  # readings this far from the median duration are left out of the mean
ASSUMED_MISS_M = (0.0, 20.0)  # when b cannot be measured: a crack heard at all passed close
MAX_FITTED = 16  # N-wave fits per analysis (the loudest cracks); each costs a few ms
BASIS_NWAVE = "miss distance from the N-wave duration (Whitham 1952)"
BASIS_ASSUMED = "miss distance unknown, assumed {lo:g}–{hi:g} m (N-wave not measurable)"


@dataclass
class Estimate:
    estimate: float
    lo: float
    hi: float
    dt: float  # median crack–thump interval, s
    miss: tuple[float, float]
    nwave_s: float | None
    measured: int
    basis: str


def _range(dt: float, b: float, c: float, v: float) -> float | None:
    return crack_thump_range(dt, max(b, 0.0), c, v)


def _miss_interval(
    t_s: float, cls: SourceClass, c: float, rel: float = NWAVE_REL_ERROR
) -> tuple[float, float, float]:
    """Miss distance (low, middle, high) from an N-wave duration over the speed range
    and the duration's relative error `rel`."""
    assert cls.bullet_speed_ms is not None
    d = (cls.caliber_mm or 7.0) / 1000.0
    length = (cls.bullet_length_mm or 25.0) / 1000.0
    vals = [
        miss_from_nwave(t_s * f, v / c, d, length, c)
        for v in cls.bullet_speed_ms
        for f in (1.0 - rel, 1.0 + rel)
    ]
    v_mid = float(np.mean(cls.bullet_speed_ms))
    return min(vals), miss_from_nwave(t_s, v_mid / c, d, length, c), max(vals)


def _pair_range(
    dt: float, miss: tuple[float, float, float], c: float, speeds: tuple[float, float]
) -> tuple[float, float, float] | None:
    """(low, estimate, high) distance for one pair; r grows with b and falls with v."""
    v_lo, v_hi = speeds
    v_mid = 0.5 * (v_lo + v_hi)
    lo = _range(dt, miss[0], c, v_hi)
    mid = _range(dt, miss[1], c, v_mid)
    hi = _range(dt, miss[2], c, v_lo)
    if lo is None or mid is None or hi is None:
        return None
    return lo, mid, hi


def _nwave_fit(f: Features, rate: int, bullet: Bullet) -> NWave | None:
    if f.snippet.size < SNIPPET_LEAD + 8:
        return None
    return nwave_duration(f.snippet, rate, SNIPPET_LEAD / rate, bullet)


# each crack re-read at the file's own rate: this much either side of its onset
SOURCE_HALF_S = 0.02
# a codec's low-pass is a cliff: above the band edge the spectrum lies this far below
# everything under it (AAC 32–64 kb/s: 19–45 dB within 0.2–0.7 kHz); a band that
# merely falls off (the air, an N-wave's own spectral nulls) drops less steeply
CLIFF_DB = 15.0
CLIFF_FROM_HZ = 8000.0


def band_edge_hz(segments: list[np.ndarray], rate: int) -> float:
    """Where the decoded sound's band ends, from the mean spectrum of the crack segments:
    the lowest frequency above CLIFF_FROM_HZ over which the whole spectrum lies CLIFF_DB
    below it (AAC 32–64 kb/s: 12–17 kHz); without such a cliff, the Nyquist frequency
    (PCM: the anti-alias filter)."""
    x = np.concatenate(segments) if segments else np.zeros(0)
    if x.size < 512:
        return CUTOFF_HZ
    f, p = welch(x, rate, nperseg=256)
    db = 10 * np.log10(p + 1e-30)
    # the highest level at or above each bin
    above = np.maximum.accumulate(db[::-1])[::-1]
    # the window's leakage (and the codec's transition) spread a cliff over ~4 bins
    for k in np.flatnonzero(f >= CLIFF_FROM_HZ)[:-4]:
        if db[k] - above[k + 4] >= CLIFF_DB:
            return float(f[k + 2])
    return 0.5 * rate


# codecs that keep every sample: their band is the anti-alias filter's
LOSSLESS = ("pcm_", "flac", "alac", "wavpack", "tta", "ape")


def reread_at_source_rate(
    source: Source, feats: list[Features], fits: list[NWave | None], rate: int, bullet: Bullet
) -> list[NWave | None]:
    """The N-wave readings `fits` (at the analysis rate `rate`), read again from the file
    at its own rate where that says more: at 24 kHz a near crack's N-wave (0.05–0.1 ms,
    under 2.4 samples) is only bounded; at 44.1/48 kHz, within the file's band, it is
    resolved.

    A lossless file's every crack is re-read. A lossy one's only where the analysis
    rate gave a bound: above ~11 kHz a codec at phone bitrates spends few bits, and
    FFmpeg's AAC encoder codes noise-like bands as noise the decoder draws itself (PNS),
    so resolved readings came out no better there (docs/sound.md). Where no N-wave
    fits at the file's rate (e.g. a clipped crack ringing at the anti-alias filter's
    edge, which 24 kHz filters out), the analysis rate's reading stays."""
    info = probe(source)
    if info.source_rate <= rate:
        return fits
    lossless = info.codec.startswith(LOSSLESS)
    todo = [k for k, f in enumerate(fits) if lossless or (f is not None and not f.resolved)]
    if not todo:
        return fits
    segs, src_rate = segments_at(source, [feats[k].t for k in todo], SOURCE_HALF_S)
    edge = band_edge_hz([s for s in segs if s is not None], src_rate)
    if edge <= CUTOFF_HZ:
        return fits
    # the onset a sample (of the analysis rate) early: the jump is looked for after it
    t0 = SOURCE_HALF_S - 1.0 / rate
    out = list(fits)
    for k, seg in zip(todo, segs, strict=True):
        hi = None if seg is None else nwave_duration(seg, src_rate, t0, bullet, edge)
        if hi is not None:
            out[k] = hi
    return out


def class_bullet(cls: SourceClass, c: float) -> Bullet:
    """The class's middle bullet, for the air's rounding of the N-wave (nwave.py);
    c rounded so that a few temperatures share one set of templates."""
    assert cls.bullet_speed_ms is not None
    c = round(c)
    mach = float(np.mean(cls.bullet_speed_ms)) / c
    d = (cls.caliber_mm or 7.0) / 1000.0
    return Bullet(mach, d, (cls.bullet_length_mm or 25.0) / 1000.0, c)


def _common_duration(ts: list[float]) -> float:
    """The rounds' common N-wave duration: the mean of the readings within TRIM of their
    median (the mean, since each reading is off by a fraction of a sample either way),
    or the median if most readings scatter wider."""
    a = np.asarray(ts)
    med = float(np.median(a))
    keep = np.abs(a / med - 1.0) <= TRIM
    return float(np.mean(a[keep])) if 2 * np.count_nonzero(keep) > a.size else med


def _reading(dt: float, fit: NWave) -> tuple[float, float, float]:
    """(crack–thump interval, N-wave duration, its relative error). An N-wave shorter
    than the recording resolves (T below fit.duration_s) is read as half that bound,
    give or take all of it: b between 0 and b(bound)."""
    if not fit.resolved:
        return dt, 0.5 * fit.duration_s, 1.0
    return dt, fit.duration_s, NWAVE_CLIPPED_REL_ERROR if fit.clipped else NWAVE_REL_ERROR


def estimate_distance(
    pairs: list[tuple[float, Features]],
    cls: SourceClass,
    temperature_c: float,
    rate: int,
    source: Source | None = None,
) -> Estimate | None:
    """Distance from (crack–thump interval, crack's features) pairs of one weapon.
    With `source` (the file analysed at `rate`), N-waves are read again from the file at
    its own rate where that says more (`reread_at_source_rate`)."""
    if cls.bullet_speed_ms is None or not pairs:
        return None
    c = speed_of_sound(temperature_c)
    speeds = (max(cls.bullet_speed_ms[0], 1.01 * c), cls.bullet_speed_ms[1])
    if speeds[1] <= speeds[0]:
        return None  # subsonic class: no crack, no distance
    loud = sorted(pairs, key=lambda p: -p[1].energy_db)[:MAX_FITTED]
    bullet = class_bullet(cls, c)
    fits = [(dt, _nwave_fit(f, rate, bullet)) for dt, f in loud]
    if source is not None:
        again = reread_at_source_rate(
            source, [f for _, f in loud], [f for _, f in fits], rate, bullet
        )
        fits = [(dt, f) for (dt, _), f in zip(fits, again, strict=True)]
    measured = [_reading(dt, fit) for dt, fit in fits if fit is not None]
    dts = [dt for dt, _ in pairs]
    if len(measured) >= max(1, len(loud) / 2):
        t_c = _common_duration([t for _, t, _ in measured])
        m = _miss_interval(t_c, cls, c, float(np.median([rel for _, _, rel in measured])))
        ranges = [_pair_range(float(np.median(dts)), m, c, speeds)]
        if ranges[0] is None:  # no geometry for the common pair: round by round
            misses = [_miss_interval(t, cls, c, rel) for _, t, rel in measured]
            ranges = [
                _pair_range(dt, mi, c, speeds)
                for (dt, _, _), mi in zip(measured, misses, strict=True)
            ]
        miss = (m[0], m[2])
        nwave: float | None = t_c
        basis = BASIS_NWAVE
    else:
        lo_b, hi_b = ASSUMED_MISS_M
        assumed = (lo_b, 0.5 * (lo_b + hi_b), hi_b)
        ranges = [_pair_range(dt, assumed, c, speeds) for dt in dts]
        miss, nwave = (lo_b, hi_b), None
        basis = BASIS_ASSUMED.format(lo=lo_b, hi=hi_b)
    ok = [r for r in ranges if r is not None]
    if not ok:
        return None
    lo, mid, hi = (float(np.median([r[k] for r in ok])) for k in range(3))
    if basis != BASIS_NWAVE:
        mid = 0.5 * (lo + hi)  # nothing favours any point of the assumed range
    return Estimate(mid, lo, hi, float(np.median(dts)), miss, nwave, len(measured), basis)

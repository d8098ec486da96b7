"""Gunshots in a recording: onsets, classes, bursts and rate of fire, crack–thump distance.

`analyse(source)` streams the sound in chunks (memory stays flat), detects impulsive
onsets, measures each, classifies them (classify.py), groups the shots into bursts
and, where bullets' cracks precede the blasts, turns the interval into a distance
interval. The report says what it rests on: method, parameters and assumptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cadena.media.audio import TOOL_VERSION
from cadena.media.audio.classify import Event, classify
from cadena.media.audio.decode import DecodeReport, Source, iter_chunks, probe
from cadena.media.audio.distance import estimate_distance
from cadena.media.audio.features import Features, band_excess_at, measure
from cadena.media.audio.onsets import HOP, OnsetParams, detect, scores
from cadena.media.audio.weapons import weapon_class

PRE_S = 0.6  # context kept before each chunk (background median, features)
POST_S = 0.25  # look-ahead after each chunk (features of late onsets)
GROUP_GAP_S = 1.0
AUTO_MAX_PERIOD_S = 0.2
GRID_TOL = 0.2  # a round is on its burst's cycle within 20 % of it (blasts placed ±2–3 ms)
MAX_SKIP = 3  # missed rounds in a row that still leave one burst
ALT_MIN_DB = 1.0  # a return weaker than its round (façade loss, longer path)
ALT_MIN_PAIRS = 4

ASSUMPTIONS = [
    "onsets are sudden broadband rises above the street's background (0.4 s running median)",
    "classes follow pulse width, crack pairing and rhythm (docs/sound.md); "
    "confidences are rule scores, not calibrated probabilities",
    "distance: straight bullet path at a constant mean speed within the weapon class's "
    "range, c = 331.3 + 0.606·T; the phone's miss distance from the N-wave duration "
    "(Whitham 1952) when it can be measured, else an assumed range (see distance.basis)",
    "automatic fire: ≥3 shots at a steady interval ≤ 0.2 s (≥ 300 rounds/min)",
]


@dataclass(frozen=True)
class ShotParams:
    """Everything the analysis depends on; reported with the result."""

    weapon_class: str = "rifle"
    temperature_c: float = 20.0
    onset: OnsetParams = field(default_factory=OnsetParams)
    chunk_s: float = 10.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "weapon_class": self.weapon_class,
            "temperature_c": self.temperature_c,
            "onsets": self.onset.as_dict(),
            "chunk_s": self.chunk_s,
        }


@dataclass
class Burst:
    start: float
    end: float
    shots: int
    rate_rpm: float | None
    mode: str  # single | automatic


@dataclass
class Distance:
    min_m: float
    max_m: float
    crack_thump_s: float
    weapon_class: str
    temperature_c: float
    pairs: int
    estimate_m: float = 0.0  # the most likely distance (middle speed, measured miss)
    miss_m: tuple[float, float] | None = None  # miss distance range used
    nwave_ms: float | None = None  # median N-wave duration of the paired cracks
    measured_pairs: int = 0  # pairs whose crack's N-wave could be measured
    basis: str = ""  # which assumption about the miss distance was used


@dataclass
class ShotReport:
    events: list[Event]
    bursts: list[Burst]
    distance: Distance | None
    duration_s: float
    params: ShotParams
    decode: DecodeReport
    envelope: np.ndarray | None = None  # onset score per 2 ms hop (for sync)

    @property
    def shots(self) -> list[Event]:
        return [e for e in self.events if e.cls == "shot"]

    def to_json(self) -> dict[str, Any]:
        """Stable keys (docs/sound.md): onsets, count, bursts, distance, uncertain_events…"""
        return {
            "onsets": [
                {
                    "t": round(e.t, 4),
                    "confidence": round(e.confidence, 2),
                    "class": e.cls,
                    "crack_t": None if e.crack_t is None else round(e.crack_t, 4),
                    "reasons": e.reasons,
                }
                for e in self.events
                if e.cls in ("shot", "uncertain", "firecracker", "teargas")
            ],
            "count": len(self.shots),
            "bursts": [_burst_json(b) for b in self.bursts],
            "distance": None if self.distance is None else _distance_json(self.distance),
            "uncertain_events": sum(1 for e in self.events if e.cls == "uncertain"),
            "other_events": {
                k: sum(1 for e in self.events if e.cls == k)
                for k in ("crack", "echo", "firecracker", "teargas", "other")
            },
            "duration_s": round(self.duration_s, 3),
            "clipped_fraction": round(self.decode.clipped_fraction(), 5),
            "bad_packets": self.decode.bad_packets,
            "method": {
                "tool": "cadena.media.audio.shots",
                "version": TOOL_VERSION,
                "params": self.params.as_dict(),
                "assumptions": ASSUMPTIONS,
            },
        }


def _burst_json(b: Burst) -> dict[str, Any]:
    return {
        "start": round(b.start, 4),
        "end": round(b.end, 4),
        "shots": b.shots,
        "rate_rpm": None if b.rate_rpm is None else round(b.rate_rpm, 1),
        "mode": b.mode,
    }


def _distance_json(d: Distance) -> dict[str, Any]:
    return {
        "min_m": round(d.min_m, 1),
        "max_m": round(d.max_m, 1),
        "estimate_m": round(d.estimate_m, 1),
        "crack_thump_s": round(d.crack_thump_s, 4),
        "weapon_class": d.weapon_class,
        "temperature_c": d.temperature_c,
        "pairs": d.pairs,
        "miss_m": None if d.miss_m is None else [round(v, 1) for v in d.miss_m],
        "nwave_ms": None if d.nwave_ms is None else round(d.nwave_ms, 3),
        "measured_pairs": d.measured_pairs,
        "basis": d.basis,
    }


# --- streaming onset detection ---------------------------------------------------------


def _features_in(
    x: np.ndarray, offset_s: float, lo_s: float, hi_s: float, p: OnsetParams
) -> tuple[list[Features], np.ndarray]:
    """Features of onsets in x whose absolute time lies in [lo_s, hi_s), and the onset
    envelope (one value per hop) over that span."""
    rate = p.rate
    sc = scores(x, rate)
    out: list[Features] = []
    for o in detect(x, p, sc):
        t_abs = o.t + offset_s
        if lo_s <= t_abs < hi_s:
            excess, tilt = band_excess_at(sc.levels, sc.bg, o.t, rate)
            weak = o.score_db < p.threshold_db
            f = measure(x, rate, o.t, o.score_db, excess, tilt, full=not weak)
            f.t = t_abs
            f.weak = weak
            out.append(f)
    a = int(round((lo_s - offset_s) * rate / HOP))
    b = sc.score.size if hi_s == np.inf else int(round((hi_s - offset_s) * rate / HOP))
    return out, sc.score[max(a, 0) : b]


def stream_features(
    chunks: Any, params: ShotParams, total: list[float] | None = None
) -> tuple[list[Features], np.ndarray]:
    """Onset features and envelope over a stream of mono chunks, memory flat."""
    rate = params.onset.rate
    pre, post = int(PRE_S * rate) // HOP * HOP, int(POST_S * rate)
    step = int(params.chunk_s * rate) // HOP * HOP
    buf = np.zeros(0, dtype=np.float32)
    buf_start = 0  # absolute sample index of buf[0]; kept on the hop grid
    done = 0  # onsets before this absolute sample are final
    feats: list[Features] = []
    env: list[np.ndarray] = []
    n_total = 0
    for chunk in chunks:
        n_total += chunk.size
        buf = np.concatenate([buf, chunk])
        while buf_start + buf.size - done >= step + post:
            f, e = _features_in(
                buf, buf_start / rate, done / rate, (done + step) / rate, params.onset
            )
            feats += f
            env.append(e)
            done += step
            drop = max(0, done - pre - buf_start)
            buf, buf_start = buf[drop:], buf_start + drop
    if buf.size:
        f, e = _features_in(buf, buf_start / rate, done / rate, np.inf, params.onset)
        feats += f
        env.append(e)
    if total is not None:
        total.append(n_total / rate)
    return feats, (np.concatenate(env) if env else np.zeros(0))


# --- bursts and distance ---------------------------------------------------------------


def bursts(
    shot_times: list[float], sure: list[bool] | None = None, level_db: list[float] | None = None
) -> list[Burst]:
    """Automatic bursts (≥3 rounds on a steady cycle ≤0.2 s) and groups of single shots.

    `sure[k]` says shot k is crack-paired (its bullet's crack was found before it). Where
    a burst has ≥3 such rounds its cycle is read from them alone: a façade can return
    each blast about half a cycle later, dark and uncracked like a blast, and those
    returns would otherwise double the rate. Missed rounds count as whole cycles (up to
    MAX_SKIP in a row), so a burst with a hole is neither split nor slowed. `level_db[k]`
    (the onset's energy) tells such returns where they were crack-paired as well: every
    other round of the run markedly weaker than the one before it (_alternating).
    """
    order = sorted(range(len(shot_times)), key=lambda k: shot_times[k])
    times = [float(shot_times[k]) for k in order]
    flags = [True if sure is None else bool(sure[k]) for k in order]
    levels = None if level_db is None else [float(level_db[k]) for k in order]
    out: list[Burst] = []
    loose: list[int] = []
    for cluster in _clusters(times, MAX_SKIP * AUTO_MAX_PERIOD_S):
        rest = cluster
        while (fit := _steady_chain(times, flags, rest, levels)) is not None:
            chain, cycles = fit
            first = times[chain[0]]
            if levels is not None:
                chain, cycles = _alternating(times, levels, chain, cycles)
            t0, t1 = times[chain[0]], times[chain[-1]]
            period = (t1 - t0) / cycles
            inside = [k for k in rest if first <= times[k] <= t1 + (1 - GRID_TOL) * period]
            end = times[inside[-1]]
            out.append(Burst(first, end, len(inside), 60.0 / period, "automatic"))
            rest = [k for k in rest if k not in inside]
        loose += rest
    single: list[float] = []
    for t in sorted(times[k] for k in loose):
        if single and t - single[-1] > GROUP_GAP_S:
            out.append(_single_burst(single))
            single = []
        single.append(t)
    if single:
        out.append(_single_burst(single))
    return sorted(out, key=lambda b: b.start)


def _alternating(
    times: list[float], levels: list[float], chain: list[int], cycles: int
) -> tuple[list[int], int]:
    """The louder half of a run whose every other round is a weaker return, else the run.

    A façade return about half a cycle after each round, crack-paired by chance like the
    direct blast, makes a burst look twice as fast. A weapon's rounds do not alternate in
    level; direct sound and its return do, the return second and weaker: where each of
    ≥ ALT_MIN_PAIRS one-cycle neighbours has its even-indexed round (the run's first is
    direct) ≥ ALT_MIN_DB louder, those rounds are the burst, at twice the cycle. (A masked
    blast, holding a later crack, makes a genuine run zigzag too, but not at every pair.)"""
    period = (times[chain[-1]] - times[chain[0]]) / cycles
    if 2 * period > AUTO_MAX_PERIOD_S:
        return chain, cycles
    index = [round((times[k] - times[chain[0]]) / period) for k in chain]
    at = dict(zip(index, chain, strict=True))
    pairs = [i for i in index if i + 1 in at]
    # > 0 where the even-indexed round of the pair is the louder
    signed = [(levels[at[i]] - levels[at[i + 1]]) * (1 if i % 2 == 0 else -1) for i in pairs]
    if len(signed) >= ALT_MIN_PAIRS and min(signed) >= ALT_MIN_DB:
        kept = [k for i, k in zip(index, chain, strict=True) if i % 2 == 0]
        if len(kept) >= 3:
            return kept, round((times[kept[-1]] - times[kept[0]]) / (2 * period))
    return chain, cycles


def _clusters(times: list[float], gap: float) -> list[list[int]]:
    """Indices of sorted times, split where two successive times are more than `gap` apart."""
    out: list[list[int]] = []
    for k, t in enumerate(times):
        if out and t - times[out[-1][-1]] <= gap:
            out[-1].append(k)
        else:
            out.append([k])
    return out


def _steady_chain(
    times: list[float], flags: list[bool], idx: list[int], levels: list[float] | None = None
) -> tuple[list[int], int] | None:
    """The best run of ≥3 rounds on one cycle ≤ AUTO_MAX_PERIOD_S, and its cycle count.

    The cycle is looked for among the crack-paired rounds when ≥3 of them form a run,
    else among all; the run is then extended over the other shots on the same cycle.
    A run scores its rounds less half its empty cycles (a cycle of half the length takes
    in a return or two but leaves every other cycle empty; a missed round is common, so
    an empty cycle weighs less than a round found), ties go to more rounds, then to
    the longer cycle (a steady half-cycle echo must not double the rate)."""
    sure = [k for k in idx if flags[k]]
    for base in [sure, idx] if len(sure) >= 3 and len(sure) < len(idx) else [idx]:
        best: tuple[float, int, float, list[int], int] | None = None
        for start in range(len(base)):
            # the cycle is an interval between two of the next few shots (not only
            # successive ones: a stray return may sit between two rounds)
            near = base[start : start + 5]
            steps = {times[b] - times[a] for j, a in enumerate(near) for b in near[j + 1 :]}
            for period in (p for p in steps if 0 < p <= AUTO_MAX_PERIOD_S):
                chain, cycles = _walk(times, base[start:], period)
                empty = cycles - len(chain) + 1
                key = (len(chain) - empty / 2, len(chain), period, chain, cycles)
                span = times[chain[-1]] - times[chain[0]]
                if (
                    cycles
                    and _seen_twice(times, chain, span / cycles)
                    and (best is None or key[:3] > best[:3])
                ):
                    best = key
        if best is not None:
            chain, cycles = best[3], best[4]
            period = (times[chain[-1]] - times[chain[0]]) / cycles
            if base is sure and _rounds_between(times, flags, idx, chain, period, levels):
                continue  # the uncracked shots between are rounds: read the cycle off all
            return _extend(times, idx, chain, period)
    return None


def _rounds_between(
    times: list[float],
    flags: list[bool],
    idx: list[int],
    chain: list[int],
    period: float,
    levels: list[float] | None,
) -> bool:
    """Uncracked shots half a cycle after crack-paired rounds, as loud as those: rounds.

    The crack-paired rounds can be every other round of a burst (seed 31 scene 14): one
    weapon's rounds share a level. A round and its return differ by ALT_MIN_DB or more,
    either way round (where the pairing took the returns, the rounds are the louder,
    seed 31 scene 25); the rate is the crack-paired rounds' cycle then."""
    if levels is None:
        return False
    on = {round((times[k] - times[chain[0]]) / period): k for k in chain}
    mids = []
    for k in idx:
        n = (times[k] - times[chain[0]]) / period
        if not flags[k] and abs(n - int(n) - 0.5) <= GRID_TOL and int(n) in on:
            mids.append(levels[on[int(n)]] - levels[k])
    return len(mids) >= 2 and abs(float(np.median(mids))) < ALT_MIN_DB


def _seen_twice(times: list[float], chain: list[int], period: float) -> bool:
    """≥3 rounds with the cycle itself between two pairs of them, not only multiples of it:
    single shots 0.25–0.5 s apart (semi-automatic fire) would otherwise fit a cycle of a
    half or a third of their interval with the rounds between them "missed"."""
    steps = [round((times[b] - times[a]) / period) for a, b in zip(chain, chain[1:], strict=False)]
    return len(chain) >= 3 and steps.count(1) >= 2


def _walk(times: list[float], seq: list[int], period: float) -> tuple[list[int], int]:
    """From seq[0] forward: the rounds that fall on whole cycles of `period`, ≤ MAX_SKIP apart.

    The cycle is re-read from the span so far at each round taken (one interval is
    less sure of it than several; a blast placed a few ms off must not stop the walk)."""
    chain, cycles = [seq[0]], 0
    for k in seq[1:]:
        n = (times[k] - times[chain[-1]]) / period
        whole = round(n)
        if whole > MAX_SKIP:
            break
        if whole >= 1 and abs(n - whole) <= GRID_TOL:
            chain.append(k)
            cycles += whole
            period = (times[k] - times[seq[0]]) / cycles
    return chain, cycles


def _extend(
    times: list[float], idx: list[int], chain: list[int], period: float
) -> tuple[list[int], int]:
    """The chain widened, both ways, by other shots on its cycle; and its cycle count."""
    after, n_after = _walk(times, [k for k in idx if k >= chain[-1]], period)
    back = [-times[k] for k in reversed(idx) if k <= chain[0]]
    before, n_before = _walk(back, list(range(len(back))), period)
    head = [idx[idx.index(chain[0]) - j] for j in reversed(before[1:])]
    cycles = round((times[chain[-1]] - times[chain[0]]) / period)
    return head + chain + after[1:], n_before + cycles + n_after


def _single_burst(ts: list[float]) -> Burst:
    span = ts[-1] - ts[0]
    rate = 60.0 * (len(ts) - 1) / span if len(ts) > 1 and span > 0 else None
    return Burst(ts[0], ts[-1], len(ts), rate, "single")


def distance(
    dt: float | None,
    pairs: list[tuple[float, Features]],
    params: ShotParams,
    source: Source | None = None,
) -> Distance | None:
    """Distance interval to the shooter from crack–blast pairs (distance.py); with the
    analysed file as `source`, N-waves are read again at the file's own rate where that
    says more."""
    if dt is None or not pairs:
        return None
    cls = weapon_class(params.weapon_class)
    est = estimate_distance(pairs, cls, params.temperature_c, params.onset.rate, source)
    if est is None:
        return None
    return Distance(
        min_m=est.lo,
        max_m=est.hi,
        crack_thump_s=est.dt,
        weapon_class=params.weapon_class,
        temperature_c=params.temperature_c,
        pairs=len(pairs),
        estimate_m=est.estimate,
        miss_m=est.miss,
        nwave_ms=None if est.nwave_s is None else 1000 * est.nwave_s,
        measured_pairs=est.measured,
        basis=est.basis,
    )


# --- the analysis ----------------------------------------------------------------------


def analyse_features(
    feats: list[Features],
    params: ShotParams,
    duration_s: float,
    report: DecodeReport,
    env: np.ndarray | None = None,
    source: Source | None = None,
) -> ShotReport:
    events, dt = classify(feats)
    shots = [e for e in events if e.cls == "shot"]
    cracks = {e.t: e.features for e in events if e.cls == "crack"}
    pairs = [
        (e.t - e.crack_t, cracks[e.crack_t])
        for e in shots
        if e.crack_t is not None and e.crack_t in cracks
    ]
    return ShotReport(
        events=events,
        bursts=bursts(
            [e.t for e in shots],
            [e.crack_t is not None for e in shots],
            [e.features.energy_db for e in shots],
        ),
        distance=distance(dt, pairs, params, source),
        duration_s=duration_s,
        params=params,
        decode=report,
        envelope=env,
    )


def analyse(
    source: Source,
    params: ShotParams | None = None,
    progress: Callable[[float], None] | None = None,
) -> ShotReport:
    """Analyse the sound of an audio or video file (any rate, mono or stereo).

    `progress` is called with the seconds of sound analysed after each chunk.
    """
    p = params or ShotParams()
    weapon_class(p.weapon_class)  # fail early on an unknown class
    probe(source)  # a clear error when there is no sound
    report = DecodeReport()
    total: list[float] = []
    chunks = iter_chunks(source, p.onset.rate, chunk_seconds=p.chunk_s, report=report)
    if progress is not None:
        chunks = _reporting(chunks, p.onset.rate, progress)
    feats, env = stream_features(chunks, p, total)
    return analyse_features(feats, p, total[0] if total else 0.0, report, env, source)


def _reporting(
    chunks: Iterator[np.ndarray], rate: int, progress: Callable[[float], None]
) -> Iterator[np.ndarray]:
    for chunk in chunks:
        yield chunk
        progress(chunk.size / rate)

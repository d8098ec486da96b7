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
from cadena.media.audio.bursts import Burst, bursts
from cadena.media.audio.classify import Event, classify
from cadena.media.audio.decode import DecodeReport, Source, iter_chunks, probe
from cadena.media.audio.distance import estimate_distance
from cadena.media.audio.features import Features, band_excess_at, measure
from cadena.media.audio.onsets import HOP, OnsetParams, detect, scores
from cadena.media.audio.weapons import weapon_class

PRE_S = 0.6  # context kept before each chunk (background median, features)
POST_S = 0.25  # look-ahead after each chunk (features of late onsets)

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


# --- distance ---------------------------------------------------------------


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


def crack_pairs(events: list[Event]) -> list[tuple[float, Features]]:
    """(crack–thump interval, the crack's features) of every shot paired with its crack:
    what the distance estimate rests on."""
    cracks = {e.t: e.features for e in events if e.cls == "crack"}
    return [
        (e.t - e.crack_t, cracks[e.crack_t])
        for e in events
        if e.cls == "shot" and e.crack_t is not None and e.crack_t in cracks
    ]


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
    pairs = crack_pairs(events)
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

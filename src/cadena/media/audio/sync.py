"""Time offsets between recordings of one moment, from their sound, and a merged timeline.

Method (docs/sound.md). Each recording becomes two envelopes on a 2 ms grid: the onset
score of onsets.py (what is sudden, whatever it is) and a *blast envelope*, the rise of
the sound below 1 kHz with whatever rises more above 2 kHz taken off. Muzzle blasts are
dark and rise there by ~20 dB; a bullet's crack and a firecracker are bright and vanish
from it. That matters because the loudest sudden sounds of a shooting, the cracks, are
heard by each phone from its own place on the bullet's Mach cone: aligning them gives a
different offset for every pair of phones (tens of ms off the gunfire's), while every
muzzle blast of one weapon reaches two phones with the same difference in travel time.

Blast envelopes are cross-correlated with GCC-PHAT (the cross-spectrum whitened, so every
shared blast counts, not the loudest). Its highest peaks and the offsets voted by the
detected shots are candidates; each is scored by the blast correlation at that lag (the
whole pattern of blasts: single shots, the ends of bursts, rounds the detector missed)
plus the share of detected shots it lines up, so a burst's rhythm alone (which lines up
one cycle off almost as well) does not decide. The offset is then put on the shots it
lines up (their median difference) or, without them, on the correlation's peak refined
by a parabola; where the shots sit a reflection's delay (≤ 45 ms) from a clearly higher
blast peak at which the blast peaks line up as well, one phone's detector put them on a
reflection, and the blasts both phones hear decide. Evidence, not a number at any
price: the blasts must support the offset, two separate volleys (shots or blast peaks)
must line up, and no volley heard by both at one moment may fail to line up; otherwise
"no common sound". A single round lining up with some round of a burst happens by chance
and does not count; two bursts at one rhythm line up by chance now and then, which a
third volley heard by both then contradicts.
Recordings without any blast fall back on the onset envelope (claps, slams, firecrackers).

With three or more recordings, offsets add up (t_a − t_c = (t_a − t_b) + (t_b − t_c) for
the same blast): a recording that shares too little with the first is placed through
another one when both links hold, and the link says so in its status.

An offset aligns the *sound*: it is the difference in start times plus the difference
in travel time from the gunfire to each microphone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from cadena.media.audio.decode import Source, iter_chunks
from cadena.media.audio.onsets import BANDS_HZ, HOP, onset_score

if TYPE_CHECKING:
    from cadena.vault.case import Case

SYNC_VERSION = "2"  # 2: blast envelopes, candidates checked against each other, chains
ENV_RATE = 24_000
HOP_RATE = ENV_RATE / HOP  # envelope values per second
PRE_S = 0.6
MIN_PSR = 10.0  # blast correlation peak over its robust spread; below: no common sound
STRONG_PSR = 2 * MIN_PSR  # a runner-up candidate is checked only when this strong
SUPPORT_PSR = MIN_PSR / 2  # blast support a candidate needs at all
MIN_MATCHED = 0.3  # onset-envelope fallback: share of sharp onsets that find a partner
PEAK_DB = 10.0  # an onset this sharp counts as a sound to match (fallback)
BLAST_DB = 8.0  # a blast-envelope peak this high counts as a blast to match
MATCH_TOL_S = 0.005  # a blast placed in noise is ±2–4 ms off
CANDIDATES = 5  # highest peaks of the blast correlation taken as candidates
GROUP_GAP_S = 1.0
FLAGGED = " only: "  # in a status: the offset rests on one volley, or on bursts' rhythm
VOLLEY_SHARE = 0.5  # of the smaller volley's events that must find a partner
NEAR_S = 0.5  # volleys closer than this are heard at one moment
# a reflection off a wall or a vehicle nearby arrives up to this much after the direct
# sound (kept under half of the fastest cycle, 67 ms at 900 rpm, so that a burst one
# round off is never taken for a reflection)
REFLECTION_S = 0.045
REFLECTION_HOPS = int(REFLECTION_S * HOP_RATE)
BLAST_OVER_SHOTS = 1.2  # the blasts' peak must stand this much higher to move the offset


@dataclass
class Offset:
    """Offset of `other` against the reference: t_reference = t_other + offset_s."""

    index: int
    offset_s: float | None
    confidence: float
    peak_ratio: float
    status: str  # "reference" | "aligned" | "aligned on gunfire" | "no common sound" …
    matched: int = 0  # blasts (or sharp onsets) heard in both after alignment
    of: int = 0  # of those in the shorter list (in the overlap)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "offset_s": None if self.offset_s is None else round(self.offset_s, 4),
            "confidence": round(self.confidence, 2),
            "peak_ratio": None if self.status == "reference" else round(self.peak_ratio, 1),
            "status": self.status,
            "matched_onsets": self.matched,
            "of_onsets": self.of,
        }


@dataclass
class MergedShot:
    t: float  # on the reference recording's clock
    heard_in: list[int]
    times: dict[int, float] = field(default_factory=dict)  # recording index → its own time
    confidence: float = 0.0


# --- envelopes -------------------------------------------------------------------------


def _band_index(lo_max: float | None = None, hi_min: float | None = None) -> list[int]:
    if lo_max is not None:
        return [k for k, (_, hi) in enumerate(BANDS_HZ) if hi <= lo_max]
    return [k for k, (lo, _) in enumerate(BANDS_HZ) if hi_min is not None and lo >= hi_min]


LOW_BANDS = _band_index(lo_max=1000)  # where a distant muzzle blast still rises
HIGH_BANDS = _band_index(hi_min=2000)  # where a crack or a firecracker rises most


def blast_rise(rise: np.ndarray) -> np.ndarray:
    """Per hop, how much a dark (blast-like) sound rises: the mean rise below 1 kHz less
    whatever the rise above 2 kHz exceeds it by (a crack rises ~20 dB more up there)."""
    r = np.clip(rise, 0.0, 40.0)
    low = r[:, LOW_BANDS].mean(axis=1)
    high = r[:, HIGH_BANDS].mean(axis=1)
    return np.asarray(np.clip(low - np.clip(high - low, 0.0, None), 0.0, None))


def envelopes_from_chunks(
    chunks: Iterable[np.ndarray], rate: int = ENV_RATE
) -> tuple[np.ndarray, np.ndarray]:
    """Onset envelope and blast envelope per hop over a stream of chunks (memory: the
    envelopes only)."""
    pre = int(PRE_S * rate)
    onset: list[np.ndarray] = []
    blast: list[np.ndarray] = []
    tail = np.zeros(0, dtype=np.float32)
    for chunk in chunks:
        x = np.concatenate([tail, chunk])
        score, _, rise = onset_score(x, rate)
        skip = tail.size // HOP
        keep = slice(skip, skip + chunk.size // HOP)
        onset.append(score[keep])
        blast.append(blast_rise(rise)[keep])
        tail = x[-pre:] if x.size > pre else x
        tail = tail[tail.size % HOP :]  # keep the hop grid aligned across chunks
    if not onset:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(onset), np.concatenate(blast)


def blast_envelope(source: Source, chunk_s: float = 10.0) -> np.ndarray:
    """The blast envelope of a file's sound (one value per hop)."""
    return envelopes_from_chunks(iter_chunks(source, ENV_RATE, chunk_seconds=chunk_s))[1]


# --- correlation -----------------------------------------------------------------------


def phat_correlation(ref: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCC-PHAT cross-correlation over the lags where the two overlap, in lag order
    (samples; a positive lag means `other` is late)."""
    a = ref - ref.mean()
    b = other - other.mean()
    n = 1 << int(np.ceil(np.log2(a.size + b.size + 1)))
    spec = np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n))
    spec /= np.abs(spec) + 1e-3 * np.abs(spec).max() + 1e-12
    cc = np.fft.fftshift(np.fft.irfft(spec, n))
    lags = np.arange(-n // 2, n // 2)
    valid = (lags > -a.size) & (lags < b.size)
    return cc[valid], lags[valid]


def _standardise(cc: np.ndarray) -> np.ndarray:
    """The correlation in robust deviations above its median."""
    centre = float(np.median(cc))
    spread = 1.4826 * float(np.median(np.abs(cc - centre))) + 1e-12
    return (cc - centre) / spread


def _parabola(y: np.ndarray, k: int) -> float:
    """Fractional position of the peak at k."""
    y0, y1, y2 = y[max(k - 1, 0)], y[k], y[min(k + 1, y.size - 1)]
    denom = y0 - 2 * y1 + y2
    return float(k + (0.5 * (y0 - y2) / denom if denom < 0 else 0.0))


def gcc_phat(ref: np.ndarray, other: np.ndarray, max_lag: int | None = None) -> tuple[float, float]:
    """Lag (samples, fractional) of the GCC-PHAT peak, and the peak's height over the
    correlation's robust spread. Positive lag: `other` is late."""
    cc, lags = phat_correlation(ref, other)
    if max_lag is not None:
        keep = np.abs(lags) <= max_lag
        cc, lags = cc[keep], lags[keep]
    z = _standardise(cc)
    k = int(np.argmax(z))
    return float(lags[0] + _parabola(z, k)), float(z[k])


def _compress(env: np.ndarray) -> np.ndarray:
    """Rises above a floor only: the street's small rises carry no timing."""
    return np.clip(env - 3.0, 0.0, None)


@dataclass
class _Correlation:
    """A standardised correlation as a function of the offset (t_ref = t_other + off)."""

    z: np.ndarray
    first_lag: int

    @classmethod
    def of(cls, ref: np.ndarray, other: np.ndarray) -> _Correlation:
        cc, lags = phat_correlation(_compress(ref), _compress(other))
        return cls(_standardise(cc), int(lags[0]))

    def index(self, off: float) -> int:
        return int(round(-off * HOP_RATE)) - self.first_lag

    def offset(self, k: float) -> float:
        return -(k + self.first_lag) / HOP_RATE

    def near(self, off: float, hops: int = 3) -> tuple[float, int]:
        """Highest value within `hops` of the offset, and where it is."""
        k = self.index(off)
        lo, hi = max(0, k - hops), min(self.z.size, k + hops + 1)
        if lo >= hi:
            return 0.0, max(0, min(k, self.z.size - 1))
        j = lo + int(np.argmax(self.z[lo:hi]))
        return float(self.z[j]), j

    def peaks(self, count: int, min_sep: int = 5) -> list[float]:
        """Offsets of the `count` highest local maxima, at least `min_sep` hops apart."""
        order = np.argsort(-self.z)
        taken: list[int] = []
        for k in order[: count * 50]:
            if all(abs(int(k) - j) >= min_sep for j in taken):
                taken.append(int(k))
                if len(taken) == count:
                    break
        return [self.offset(k) for k in taken]


# --- events that must line up ----------------------------------------------------------


def _peaks(env: np.ndarray, height: float) -> np.ndarray:
    from scipy.signal import find_peaks

    idx, _ = find_peaks(env, height=height, distance=5, prominence=3.0)
    return np.asarray(idx / HOP_RATE)


def blast_times(blast_env: np.ndarray) -> list[float]:
    """Times of the blast envelope's clear peaks (dark impulsive sounds)."""
    return [float(t) for t in _peaks(blast_env, BLAST_DB)]


def _overlap(off: float, spans: tuple[float, float]) -> tuple[float, float]:
    return max(0.0, off), min(spans[0], spans[1] + off)


def _pairs(
    ref: list[float], other: list[float], off: float, tol: float
) -> list[tuple[float, float]]:
    """(t_ref, t_other) of events that line up within `tol` at the offset, each used once."""
    if not ref or not other:
        return []
    r = np.asarray(ref)
    out: list[tuple[float, float]] = []
    used: set[int] = set()
    for t in other:
        d = np.abs(r - (t + off))
        k = int(np.argmin(d))
        if d[k] <= tol and k not in used:
            used.add(k)
            out.append((float(r[k]), t))
    return out


def _matched(
    ref: list[float], other: list[float], off: float, spans: tuple[float, float]
) -> tuple[int, int]:
    """Events of the overlap that find a partner once aligned, of the shorter list."""
    lo, hi = _overlap(off, spans)
    a = [t for t in ref if lo <= t <= hi]
    b = [t for t in other if lo <= t + off <= hi]
    if not a or not b:
        return 0, 0
    return len(_pairs(a, b, off, MATCH_TOL_S)), min(len(a), len(b))


def shot_offsets(
    ref: list[float], other: list[float], tol_s: float = MATCH_TOL_S, top: int = 6
) -> list[tuple[float, int]]:
    """Candidate offsets that line up shots of `other` with shots of `ref`, best first,
    with how many shots each lines up. Every pair of shots proposes an offset."""
    if not ref or not other:
        return []
    r = np.asarray(ref)
    o = np.asarray(other)
    diffs = (r[:, None] - o[None, :]).ravel()
    bins = np.round(diffs / tol_s).astype(np.int64)
    vals, counts = np.unique(bins, return_counts=True)
    votes = counts + np.interp(vals - 1, vals, counts, left=0, right=0) * np.isin(vals - 1, vals)
    votes = votes + np.interp(vals + 1, vals, counts, left=0, right=0) * np.isin(vals + 1, vals)
    out: list[tuple[float, int]] = []
    for i in np.argsort(-votes, kind="stable")[: top * 3]:
        centre = vals[i] * tol_s
        if any(abs(centre - c) <= 2 * tol_s for c, _ in out):
            continue
        best = float(np.median(diffs[np.abs(diffs - centre) <= 1.5 * tol_s]))
        out.append((best, len(_pairs(ref, other, best, tol_s))))
        if len(out) == top:
            break
    return sorted(out, key=lambda c: -c[1])


# --- one pair --------------------------------------------------------------------------


@dataclass
class Heard:
    """What sync uses of one recording."""

    onset: np.ndarray  # onset envelope (score per hop)
    blast: np.ndarray  # blast envelope (dark rise per hop)
    shots: list[float]  # the detector's shots (s)

    @property
    def span(self) -> float:
        return self.onset.size / HOP_RATE

    @cached_property
    def blasts(self) -> list[float]:
        return blast_times(self.blast)


def align_pair(ref: Heard, other: Heard, index: int) -> Offset:
    """The offset of `other` against `ref` on their blasts, or "no common sound".

    The best-scored candidate is checked first; if it does not line up two volleys, the
    runners-up the blasts strongly support are; failing those, the best one stands only
    if it lines up the one volley both heard (marked so), else there is no common sound.
    """
    corr = _Correlation.of(ref.blast, other.blast)
    cands = corr.peaks(CANDIDATES) + [c for c, _ in shot_offsets(ref.shots, other.shots)]
    # an offset the blasts do not support is no candidate (shots alone line up by chance:
    # two bursts at one rate)
    cands = [c for c in cands if corr.near(c)[0] >= SUPPORT_PSR]
    if not cands:
        return _no_common(Offset(index, None, 0.0, float(corr.z.max()), ""), 0.0)
    z_top = max(float(corr.z.max()), 1e-9)
    lined = [len(_pairs(ref.shots, other.shots, c, MATCH_TOL_S)) for c in cands]
    n_top = max([1, *lined])
    # the whole pattern of blasts and the detected shots each have their say: a burst
    # lines up one cycle off almost as well on either alone, rarely on both
    scores = [corr.near(c)[0] / z_top + n / n_top for c, n in zip(cands, lined, strict=True)]
    order = [int(i) for i in np.argsort(scores)[::-1]]
    first = _check_volleys(_placed(corr, ref, other, cands[order[0]], index), ref, other, z_top)
    if first.offset_s is not None and FLAGGED not in first.status:
        return first
    # the next candidates only where the blasts stand out strongly: every offset tried
    # is one more chance for two bursts at one rhythm to line up; a flagged answer gives
    # way only to one the blasts support at least half as strongly (a burst one cycle
    # off with a few stray sounds lined up is chance)
    floor = STRONG_PSR if first.offset_s is None else max(STRONG_PSR, first.peak_ratio / 2)
    for i in order[1:]:
        if corr.near(cands[i])[0] < floor:
            continue
        found = _check_volleys(_placed(corr, ref, other, cands[i], index), ref, other, z_top)
        if found.offset_s is not None and FLAGGED not in found.status:
            return found
    return first


def _placed(corr: _Correlation, ref: Heard, other: Heard, cand: float, index: int) -> Offset:
    """The offset near a candidate: on the shots it lines up (their onsets are placed to
    the sample), else on the blast correlation's peak.

    Where a phone's detector placed a burst's shots on a reflection, the shots line up a
    reflection's delay away from the blasts both phones hear; the blast correlation then
    peaks clearly higher within that delay, and the offset is put there (docs/sound.md).
    """
    z, k = corr.near(cand)
    on_shots = _on_shots(ref, other, cand)
    if on_shots is not None:
        z_shots, k_shots = corr.near(on_shots)
        z, k = corr.near(on_shots, REFLECTION_HOPS)
        spans = (ref.span, other.span)
        if (
            abs(k - k_shots) <= 3
            or z < BLAST_OVER_SHOTS * z_shots
            # the blast peaks both heard must line up there at least as well
            or _matched(ref.blasts, other.blasts, corr.offset(k), spans)[0]
            < _matched(ref.blasts, other.blasts, on_shots, spans)[0]
        ):
            return Offset(index, on_shots, 0.0, z_shots, "aligned on gunfire")
        again = _on_shots(ref, other, corr.offset(k))
        if again is not None and abs(corr.index(again) - k) <= 2:
            return Offset(index, again, 0.0, z, "aligned on gunfire")
    return Offset(index, corr.offset(_parabola(corr.z, k)), 0.0, z, "aligned")


def _on_shots(ref: Heard, other: Heard, cand: float) -> float | None:
    """The median difference of the detected shots lining up near a candidate (≥ 2)."""
    pairs = _pairs(ref.shots, other.shots, cand, MATCH_TOL_S)
    return float(np.median([a - b for a, b in pairs])) if len(pairs) >= 2 else None


def _check_volleys(off: Offset, ref: Heard, other: Heard, z_top: float = np.inf) -> Offset:
    """One burst lines up with any burst of the same cyclic rate: ask for two volleys.

    Two kinds of events are tried: the detector's shots and the blast envelope's peaks
    (which keep rounds the detector missed or took for something else). The offset
    stands when either lines up two separate volleys and no volley heard in both at that
    moment contradicts it (detected shots that contradict are not outvoted by blast
    peaks); when the overlap holds one volley only and it lines up, it stands marked as
    resting on one burst's rhythm; otherwise no common sound.
    """
    assert off.offset_s is not None
    spans = (ref.span, other.span)
    alone = False
    best_share = 0.0
    for a, b in ((ref.shots, other.shots), (ref.blasts, other.blasts)):
        v = volleys(a, b, off.offset_s, spans)
        matched, of = _matched(a, b, off.offset_s, spans)
        if of and matched / of > best_share:
            best_share, off.matched, off.of = matched / of, matched, of
        if a is ref.shots and v.conflicts:
            # only at the blasts' own peak (a burst one round off lines up its blast
            # peaks too, but the blast correlation is lower there)
            lead = off.peak_ratio * BLAST_OVER_SHOTS >= z_top
            if not lead or not all(
                _on_reflection(g, h, ref, other, off.offset_s) for g, h in v.against
            ):
                break  # detected shots that contradict the offset are not outvoted by blasts
            continue  # shots placed on a reflection neither line up nor contradict
        if v.lined >= 2 and not v.conflicts:
            off.confidence = _confidence(off.peak_ratio, best_share)
            if not v.irregular:
                off.status += " (bursts only: their rhythm could match other bursts)"
                off.confidence = min(off.confidence, 0.5)
            return off
        alone = alone or (v.lined == 1 and v.fewest == 1 and not v.conflicts)
    if alone and off.peak_ratio >= STRONG_PSR:
        off.status += " (one volley only: rhythm could match another volley)"
        off.confidence = min(_confidence(off.peak_ratio, best_share), 0.3)
        return off
    return _no_common(off, 0.2)


def _confidence(psr: float, share: float) -> float:
    """A rule score in 0–1 (not a probability): blast support and the share of events
    that found a partner."""
    return float(np.clip(min((psr - SUPPORT_PSR) / (2 * MIN_PSR), share), 0.0, 1.0))


def _no_common(off: Offset, cap: float) -> Offset:
    off.confidence = min(_confidence(off.peak_ratio, off.matched / off.of if off.of else 0), cap)
    off.offset_s = None
    off.status = "no common sound"
    return off


@dataclass
class Volleys:
    """How the volleys of two recordings meet at an offset."""

    lined: float  # volleys of the reference that line up (one round on a burst: half)
    conflicts: int  # volleys heard in both at one moment that line up with nothing
    fewest: int  # volleys in the overlap on the side with fewer
    irregular: int = 0  # lined-up volleys that are not automatic bursts on either side
    # the volleys that contradict (reference's, other's on the reference clock)
    against: list[tuple[list[float], list[float]]] = field(default_factory=list)


def volleys(
    ref: list[float], other: list[float], off: float, spans: tuple[float, float]
) -> Volleys:
    """Volleys (events less than GROUP_GAP_S apart) of the overlap, met at the offset."""
    lo, hi = _overlap(off, spans)
    gr = _groups([t for t in ref if lo <= t <= hi])
    go = _groups([t + off for t in other if lo <= t + off <= hi])
    near = [(i, j) for i, g in enumerate(gr) for j, h in enumerate(go) if _near(g, h)]
    lined = [(i, j) for i, j in near if _volley_lines_up(gr[i], go[j])]
    lined_r = {i for i, _ in lined}
    lined_o = {j for _, j in lined}
    # one round of a volley on a round of the other: half the evidence of a volley lined
    # up (a far phone picks out single rounds; it happens by chance too), no contradiction
    touched = [(i, j) for i, j in near if _pairs(gr[i], go[j], 0.0, MATCH_TOL_S)]
    weak_r = {i for i, _ in touched} - lined_r
    weak_o = {j for _, j in touched} - lined_o
    against = [
        (gr[i], go[j]) for i, j in near if i not in lined_r | weak_r and j not in lined_o | weak_o
    ]
    irregular = sum(1 for i, j in lined if not _burst(gr[i]) and not _burst(go[j]))
    lined_n = len(lined_r) + 0.5 * len(weak_r)
    return Volleys(lined_n, len(against), min(len(gr), len(go)), irregular, against)


def _on_reflection(
    volley: list[float], heard: list[float], ref: Heard, other: Heard, off: float
) -> bool:
    """Two volleys of detected shots that do not line up at the offset but do a
    reflection's delay apart, where the later side's own blast peaks show the direct
    blasts that delay before its shots, and the blast peaks both phones heard at that
    moment line up at the offset: one phone's detector placed the volley on a reflection."""
    lo = min(volley[0], heard[0]) - REFLECTION_S
    hi = max(volley[-1], heard[-1]) + REFLECTION_S
    a = [t for t in ref.blasts if lo <= t <= hi]
    b = [t + off for t in other.blasts if lo <= t + off <= hi]
    if not _meets(a, b):
        return False
    for d in sorted({round(x - y, 3) for x in volley for y in heard}, key=abs):
        if not MATCH_TOL_S < abs(d) <= REFLECTION_S:
            continue
        if not _volley_lines_up(volley, [t + d for t in heard]):
            continue
        # a reflection comes after the direct sound: the later side's shots are misplaced
        late, own = (volley, a) if d > 0 else (heard, b)
        if _meets([t - abs(d) for t in late], own):
            return True
    return False


def _meets(a: list[float], b: list[float]) -> bool:
    """Blast peaks of one moment line up: most of the smaller list's find a partner, two
    at least where both have two (a reflection adds a peak: one shot, two peaks)."""
    if not a or not b:
        return False
    fewer = min(len(a), len(b))
    return len(_pairs(a, b, 0.0, MATCH_TOL_S)) >= max(min(2, fewer), VOLLEY_SHARE * fewer)


def _burst(volley: list[float]) -> bool:
    """Automatic fire: ≥ 3 events at a steady interval ≤ 0.2 s (its rhythm is all there is
    to line up, and bursts of one weapon share it)."""
    if len(volley) < 3:
        return False
    gaps = np.diff(volley)
    steady = float(gaps.max() - gaps.min()) <= 0.25 * float(np.median(gaps)) + 0.01
    return bool(gaps.max() <= 0.2 and steady)


def _near(g: list[float], h: list[float]) -> bool:
    return h[0] - NEAR_S <= g[-1] and g[0] - NEAR_S <= h[-1]


def _groups(times: list[float]) -> list[list[float]]:
    out: list[list[float]] = []
    for t in sorted(times):
        if out and t - out[-1][-1] <= GROUP_GAP_S:
            out[-1].append(t)
        else:
            out.append([t])
    return out


def _volley_lines_up(volley: list[float], heard: list[float]) -> bool:
    """Two volleys, heard at one moment, line up when most of the smaller one's events
    find a partner (a distant phone may pick out only a few rounds of a burst), and at
    least two do unless both are single shots: one round of a burst lines up with some
    round of any other burst one time in ten or so (±5 ms in a ~95 ms cycle)."""
    matched = len(_pairs(volley, heard, 0.0, MATCH_TOL_S))
    if len(volley) == 1 and len(heard) == 1:
        return matched == 1
    return matched >= max(2.0, VOLLEY_SHARE * min(len(volley), len(heard)))


def align_onsets(ref: Heard, other: Heard, index: int) -> Offset:
    """Fallback without blasts: the onset envelopes' peak, with its sharp onsets."""
    corr = _Correlation.of(ref.onset, other.onset)
    k = int(np.argmax(corr.z))
    off = corr.offset(_parabola(corr.z, k))
    z = float(corr.z[k])
    a, b = (list(_peaks(h.onset, PEAK_DB)) for h in (ref, other))
    spans = (ref.span, other.span)
    matched, of = _matched(a, b, off, spans)
    v = volleys(a, b, off, spans)
    found = Offset(index, off, _confidence(z, matched / of if of else 0.0), z, "aligned")
    found.matched, found.of = matched, of
    if z < MIN_PSR or not of or matched / of < MIN_MATCHED or matched < 3 or v.lined < 2:
        return _no_common(found, 0.2)
    return found


# --- several recordings ----------------------------------------------------------------


def offsets(heard: list[Heard]) -> list[Offset]:
    """Offsets of every recording against the first; chained through a third recording
    where the direct link finds no common sound."""
    out = [Offset(0, 0.0, 1.0, 0.0, "reference")]
    for k in range(1, len(heard)):
        out.append(_align(heard[0], heard[k], k))
    for k in range(1, len(heard)):
        if out[k].offset_s is None:
            _chain(out, heard, k)
    return out


def _align(ref: Heard, other: Heard, index: int) -> Offset:
    if not ref.blasts or not other.blasts:
        return align_onsets(ref, other, index)
    return align_pair(ref, other, index)


def _chain(out: list[Offset], heard: list[Heard], k: int) -> None:
    """Place recording k through a recording j aligned directly with the reference."""
    for j in range(1, len(heard)):
        via = out[j]
        if j == k or via.offset_s is None or "via" in via.status or FLAGGED in via.status:
            continue
        link = _align(heard[j], heard[k], k)
        if link.offset_s is None or FLAGGED in link.status:
            continue
        out[k] = Offset(
            k,
            via.offset_s + link.offset_s,
            min(via.confidence, link.confidence),
            link.peak_ratio,
            f"{link.status} via recording {j}",
            link.matched,
            link.of,
        )
        return


@dataclass
class SyncReport:
    offsets: list[Offset]
    merged: list[MergedShot]
    shots: list[list[float]]

    def to_json(self, names: list[str] | None = None) -> dict[str, Any]:
        names = names or [str(k) for k in range(len(self.offsets))]
        return {
            "reference": names[0],
            "offsets": [dict(o.to_json(), item=names[o.index]) for o in self.offsets],
            "timeline": [
                {
                    "t": round(m.t, 4),
                    "heard_in": [names[k] for k in m.heard_in],
                    "times": {names[k]: round(v, 4) for k, v in m.times.items()},
                    "confidence": round(m.confidence, 2),
                }
                for m in self.merged
            ],
            "method": {
                "tool": "cadena.media.audio.sync",
                "version": SYNC_VERSION,
                "envelope": "blast envelope (rise below 1 kHz less the excess above 2 kHz), "
                "2 ms hops; onset score where there is no blast",
                "correlation": "GCC-PHAT; candidates scored by blast correlation and shots "
                "lined up",
                "min_peak_ratio": MIN_PSR,
                "min_matched_share": MIN_MATCHED,
                "match_tolerance_s": MATCH_TOL_S,
                "assumptions": [
                    "offset = t_reference − t_other for the same sound",
                    "an offset aligns the sound, not the clocks: it includes the difference "
                    "in travel time from the gunfire (the muzzle blasts) to each microphone",
                    "two separate volleys heard in both recordings line up at the offset",
                ],
            },
        }


def sync_reports(
    envelopes: list[np.ndarray],
    shot_times: list[list[float]],
    blasts: list[np.ndarray] | None = None,
) -> SyncReport:
    """Offsets and the merged shot timeline. `envelopes`: onset envelopes; `blasts`: blast
    envelopes (without them the onset envelopes stand in, aligning whatever is sudden)."""
    darks = blasts if blasts is not None else envelopes
    heard = [Heard(e, d, s) for e, d, s in zip(envelopes, darks, shot_times, strict=True)]
    found = offsets(heard)
    return SyncReport(found, merge_shots(shot_times, found), shot_times)


def merge_shots(
    shot_times: list[list[float]], found: list[Offset], tol_s: float = 0.03
) -> list[MergedShot]:
    """One timeline on the reference clock of the shots heard across the recordings."""
    placed: list[tuple[float, int, float]] = []
    for off in found:
        if off.offset_s is None:
            continue
        placed += [(t + off.offset_s, off.index, t) for t in shot_times[off.index]]
    placed.sort()
    merged: list[MergedShot] = []
    for t, k, own in placed:
        last = merged[-1] if merged else None
        if last is not None and t - last.t <= tol_s and k not in last.times:
            last.times[k] = own
            last.heard_in.append(k)
            continue
        merged.append(MergedShot(t, [k], {k: own}))
    n = max(1, sum(1 for o in found if o.offset_s is not None))
    for m in merged:
        m.confidence = len(m.heard_in) / n
    return merged


# --- items of a case -------------------------------------------------------------------

# (item's SHA-256, seconds of sound) -> a callback taking seconds analysed so far
Listening = Callable[[str, float], Callable[[float], None]]


def hear(
    source: str | os.PathLike[str], progress: Callable[[float], None] | None = None
) -> tuple[Heard, float]:
    """What sync uses of one recording (a file: it is read twice): the detector's shots,
    the onset and blast envelopes; and its duration."""
    from cadena.media.audio.shots import ShotParams, analyse

    report = analyse(source, ShotParams(), progress=progress)
    onset, blast = envelopes_from_chunks(iter_chunks(source, ENV_RATE, chunk_seconds=10.0))
    return Heard(onset, blast, [e.t for e in report.shots]), report.duration_s


def sync_heard(heard: list[Heard]) -> SyncReport:
    """Offsets of every recording against the first, and the merged shot timeline."""
    found = offsets(heard)
    shots = [h.shots for h in heard]
    return SyncReport(found, merge_shots(shots, found), shots)


def _hear_item(sha: str, path: Path, listening: Listening | None) -> tuple[Heard, float]:
    from cadena.errors import CadenaError
    from cadena.media.audio.decode import AudioError, probe

    try:
        duration = probe(path).duration_s or 0.0
        return hear(path, listening(sha, duration) if listening else None)
    except AudioError as exc:
        raise CadenaError(f"item {sha[:12]}: {exc}") from None


def sync_items(case: Case, refs: list[str], listening: Listening | None = None) -> dict[str, Any]:
    """Synchronise items of a case by their sound: offsets, merged shot timeline, the
    aligned-waveform picture stored as a derivative, and one custody entry per item.

    The one path `cadena sync` takes, so the command holds no logic. Keys: docs/sound.md.
    """
    from cadena.errors import CadenaError
    from cadena.media.audio import TOOL_VERSION
    from cadena.media.audio.item import original
    from cadena.media.audio.picture import aligned_png

    if len(refs) < 2:
        raise CadenaError("give two or more items to synchronise")
    originals = [original(case, ref) for ref in refs]
    shas = [sha for sha, _ in originals]
    pairs = [_hear_item(sha, path, listening) for sha, path in originals]
    report = sync_heard([h for h, _ in pairs])
    durations = [d for _, d in pairs]
    png = aligned_png([p for _, p in originals], durations, report, [s[:12] for s in shas])
    result = report.to_json(shas)
    with case.session() as s:
        d = case.add_derivative(
            s,
            shas[0],
            png,
            kind="sync-picture",
            tool="cadena.media.audio.sync",
            tool_version=TOOL_VERSION,
            params={"items": shas, "sync_version": SYNC_VERSION},
            media_type="image/png",
            result={"analysis": "sync", "items": shas, "offsets": result["offsets"]},
        )
        result["derivative"] = d.sha256
        for sha in shas[1:]:  # the first item's entry is the derivative's own
            case.log(
                s,
                "derive",
                sha,
                {
                    "analysis": "sync",
                    "items": shas,
                    "derivative": d.sha256,
                    "offsets": result["offsets"],
                },
            )
    return result

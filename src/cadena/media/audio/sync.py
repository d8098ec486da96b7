"""Time offsets between recordings of one moment, from their sound, and a merged timeline.

Method (docs/sound.md): each recording becomes an onset envelope (the multiband rise
score of onsets.py, one value per 2 ms: what is sudden, not what is loud, so that
different microphones, gains, codecs and clipping matter little). Envelopes are
cross-correlated with GCC-PHAT (the cross-spectrum whitened to unit magnitude, so
every shared bang counts, not just the loudest), the peak is refined to a fraction of
a millisecond by a parabola, and its height over the correlation's spread is the
evidence: too low, and the answer is "no common sound" instead of a number.

An offset aligns the *sound*: it is the difference in start times plus the difference
in travel time from the sounds that dominate (usually the gunfire) to each microphone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cadena.media.audio.decode import Source, iter_chunks
from cadena.media.audio.onsets import HOP, onset_score

ENV_RATE = 24_000
PRE_S = 0.6
MIN_PSR = 10.0  # peak over the correlation's robust spread; below: no common sound
SHOT_MIN_PSR = 5.0  # envelope support needed at an offset found from the shots
MIN_MATCHED = 0.3  # share of sharp onsets that find a partner after alignment
PEAK_DB = 10.0  # an onset this sharp counts as a sound to match
MATCH_TOL_S = 0.003


@dataclass
class Offset:
    """Offset of `other` against the reference: t_reference = t_other + offset_s."""

    index: int
    offset_s: float | None
    confidence: float
    peak_ratio: float
    status: str  # "aligned" | "no common sound" | "reference"
    matched: int = 0  # sharp onsets heard in both after alignment
    of: int = 0  # sharp onsets in the shorter list (in the overlap)

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


def envelope_from_chunks(chunks: Iterable[np.ndarray], rate: int = ENV_RATE) -> np.ndarray:
    """Onset score per hop over a stream of chunks (memory: the envelope only)."""
    pre = int(PRE_S * rate)
    out: list[np.ndarray] = []
    tail = np.zeros(0, dtype=np.float32)
    for chunk in chunks:
        x = np.concatenate([tail, chunk])
        score, _, _ = onset_score(x, rate)
        skip = tail.size // HOP
        out.append(score[skip : skip + chunk.size // HOP])
        tail = x[-pre:] if x.size > pre else x
        tail = tail[tail.size % HOP :]  # keep the hop grid aligned across chunks
    return np.concatenate(out) if out else np.zeros(0)


def envelope(source: Source, chunk_s: float = 10.0) -> np.ndarray:
    """The onset envelope of a file's sound (one value per hop)."""
    return envelope_from_chunks(iter_chunks(source, ENV_RATE, chunk_seconds=chunk_s))


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


def gcc_phat(ref: np.ndarray, other: np.ndarray, max_lag: int | None = None) -> tuple[float, float]:
    """Lag (samples, fractional) of the GCC-PHAT peak, and the peak's height over the
    correlation's robust spread. Positive lag: `other` is late."""
    cc, lags = phat_correlation(ref, other)
    if max_lag is not None:
        keep = np.abs(lags) <= max_lag
        cc, lags = cc[keep], lags[keep]
    k = int(np.argmax(cc))
    lag = float(lags[k])
    y0, y1, y2 = cc[max(k - 1, 0)], cc[k], cc[min(k + 1, cc.size - 1)]
    denom = y0 - 2 * y1 + y2
    if denom < 0:
        lag += 0.5 * (y0 - y2) / denom
    spread = 1.4826 * np.median(np.abs(cc - np.median(cc))) + 1e-12
    return lag, float((y1 - np.median(cc)) / spread)


def offsets(envelopes: list[np.ndarray], max_offset_s: float | None = None) -> list[Offset]:
    """Offsets of every recording against the first (onset envelopes)."""
    env_rate = ENV_RATE / HOP
    max_lag = None if max_offset_s is None else int(max_offset_s * env_rate)
    out = [Offset(0, 0.0, 1.0, 0.0, "reference")]
    ref = _compress(envelopes[0])
    for k, env in enumerate(envelopes[1:], start=1):
        lag, psr = gcc_phat(ref, _compress(env), max_lag)
        # other's sample m is reference sample m - lag: t_ref = t_other - lag
        off = -lag / env_rate
        matched, of = _matched(envelopes[0], env, off, env_rate)
        share = matched / of if of else 0.0
        conf = float(np.clip(min((psr - MIN_PSR) / (2 * MIN_PSR), share), 0.0, 1.0))
        if psr < MIN_PSR or share < MIN_MATCHED or matched < 3:
            out.append(Offset(k, None, conf, psr, "no common sound", matched, of))
        else:
            out.append(Offset(k, off, conf, psr, "aligned", matched, of))
    return out


def _peaks(env: np.ndarray, env_rate: float) -> np.ndarray:
    from scipy.signal import find_peaks

    idx, _ = find_peaks(env, height=PEAK_DB, distance=5)
    return idx / env_rate


def _matched(a: np.ndarray, b: np.ndarray, off: float, env_rate: float) -> tuple[int, int]:
    """Sharp onsets of the overlap that have a partner within 3 ms once aligned."""
    pa = _peaks(a, env_rate)
    pb = _peaks(b, env_rate) + off
    lo, hi = max(0.0, off), min(a.size / env_rate, b.size / env_rate + off)
    pa, pb = pa[(pa >= lo) & (pa <= hi)], pb[(pb >= lo) & (pb <= hi)]
    if not pa.size or not pb.size:
        return 0, 0
    j = np.clip(np.searchsorted(pb, pa), 1, pb.size - 1) if pb.size > 1 else np.zeros_like(pa, int)
    near = np.minimum(np.abs(pb[j] - pa), np.abs(pb[np.maximum(j - 1, 0)] - pa))
    return int(np.count_nonzero(near <= MATCH_TOL_S)), int(min(pa.size, pb.size))


def _compress(env: np.ndarray) -> np.ndarray:
    """Onset scores above a floor only: the street's small rises carry no timing."""
    return np.clip(env - 3.0, 0.0, None)


def shot_offsets(
    ref: list[float], other: list[float], tol_s: float = 0.003, top: int = 6
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
        matched = int(sum(1 for t in o if np.min(np.abs(r - (t + best))) <= tol_s))
        out.append((best, matched))
        if len(out) == top:
            break
    return sorted(out, key=lambda c: -c[1])


def refine_with_shots(
    found: list[Offset], shot_times: list[list[float]], envelopes: list[np.ndarray]
) -> None:
    """Put each offset on the gunfire when enough shots agree.

    The envelope aligns whatever sudden sounds dominate (cracks, firecrackers); the
    timeline of shots needs the muzzle blasts aligned, whose travel times differ. A
    steady burst offers several offsets one cycle apart; among the candidates the one
    that lines up most shots and most of the other sounds (the envelope) wins.
    """
    ref = shot_times[0]
    env_rate = ENV_RATE / HOP
    for off in found[1:]:
        other = shot_times[off.index]
        cands = shot_offsets(ref, other)
        if not cands:
            continue
        cc, lags = phat_correlation(_compress(envelopes[0]), _compress(envelopes[off.index]))
        top = max(float(cc.max()), 1e-12)
        centre = float(np.median(cc))
        spread = 1.4826 * float(np.median(np.abs(cc - centre))) + 1e-12
        most = max(m for _, m in cands)
        scores, ratios = [], []
        for c_off, c_n in cands:
            near = np.abs(lags + c_off * env_rate) <= 3
            peak = float(cc[near].max()) if near.any() else centre
            scores.append(c_n / most + peak / top)
            ratios.append((peak - centre) / spread)
        pick = int(np.argmax(scores))
        best, matched = cands[pick]
        if ratios[pick] < SHOT_MIN_PSR:
            continue  # shots alone line up by chance too (two bursts at one rate)
        span_ref = envelopes[0].size / env_rate
        span_other = envelopes[off.index].size / env_rate
        # only shots while both were recording can be matched
        n_ref = sum(1 for t in ref if best <= t <= best + span_other)
        n_other = sum(1 for t in other if 0 <= t + best <= span_ref)
        both = max(1, min(n_ref, n_other))
        strong = ratios[pick] >= 2 * MIN_PSR  # the other sounds agree too
        if matched >= 3 and (matched >= 0.6 * both or strong):
            off.offset_s = best
            off.status = "aligned on gunfire"
            off.confidence = max(off.confidence, min(1.0, matched / both))


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
                "envelope": "multiband onset score, 2 ms hops",
                "correlation": "GCC-PHAT, parabolic peak",
                "min_peak_ratio": MIN_PSR,
                "min_matched_share": MIN_MATCHED,
                "assumptions": [
                    "offset = t_reference − t_other for the same sound",
                    "an offset aligns the sound, not the clocks: it includes the difference "
                    "in travel time from the dominant sounds (the gunfire when refined on "
                    "shots) to each microphone",
                ],
            },
        }


def sync_reports(envelopes: list[np.ndarray], shot_times: list[list[float]]) -> SyncReport:
    """Offsets (envelopes, then refined on shots) and the merged shot timeline."""
    found = offsets(envelopes)
    refine_with_shots(found, shot_times, envelopes)
    env_rate = ENV_RATE / HOP
    for off in found[1:]:
        if off.offset_s is not None:
            off.matched, off.of = _matched(
                envelopes[0], envelopes[off.index], off.offset_s, env_rate
            )
            spans = (envelopes[0].size / env_rate, envelopes[off.index].size / env_rate)
            _check_groups(off, shot_times[0], shot_times[off.index], spans)
    return SyncReport(found, merge_shots(shot_times, found), shot_times)


GROUP_GAP_S = 1.0


def _groups(times: list[float]) -> list[list[float]]:
    out: list[list[float]] = []
    for t in sorted(times):
        if out and t - out[-1][-1] <= GROUP_GAP_S:
            out[-1].append(t)
        else:
            out.append([t])
    return out


def _check_groups(
    off: Offset, ref: list[float], other: list[float], spans: tuple[float, float]
) -> None:
    """One burst lines up with any burst of the same cyclic rate: ask for two.

    Offsets resting on gunfire are accepted when shots of at least two separate volleys
    line up; when the overlap holds a single volley on either side, the offset stands but
    is marked as resting on one burst's rhythm; when two or more volleys were heard but
    only one lines up, there is no common sound.
    """
    assert off.offset_s is not None
    placed = [t + off.offset_s for t in other if 0 <= t + off.offset_s <= spans[0]]
    inside = [t for t in ref if off.offset_s <= t <= off.offset_s + spans[1]]
    if not placed or not inside:
        return
    # a volley lines up when most of its shots find a partner (one stray coincidence
    # in a volley of ten is chance: two bursts at one rhythm overlap now and then); "most"
    # of what both heard: a distant phone may pick out only a few rounds of a burst
    groups_hit = sum(1 for g in _groups(inside) if _volley_lines_up(g, placed))
    groups_there = min(len(_groups(inside)), len(_groups(placed)))
    if groups_hit >= 2:
        return
    if groups_there <= 1:
        off.status += " (one volley only: rhythm could match another volley)"
        off.confidence = min(off.confidence, 0.3)
        return
    off.offset_s = None
    off.status = "no common sound"
    off.confidence = min(off.confidence, 0.2)


def _volley_lines_up(volley: list[float], placed: list[float]) -> bool:
    heard = [p for p in placed if volley[0] - 0.05 <= p <= volley[-1] + 0.05]
    if not heard:
        return False
    partners = sum(min(abs(t - p) for p in heard) <= 0.005 for t in volley)
    return partners >= max(1, 0.5 * min(len(volley), len(heard)))


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

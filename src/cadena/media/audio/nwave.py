"""The duration of a bullet's N-wave, measured on the recording.

A supersonic bullet's shock reaches a microphone as an N-wave: a jump up, a linear
fall through zero, a jump back. Its duration T grows with the miss distance b (how far
the bullet's path passed the microphone) as b^(1/4) (Whitham 1952; used for gunshot
forensics by Maher 2006, 2007), so T measured to a few per cent tells b to about a
fifth: enough to correct the crack–thump distance for a phone off the line of fire.

T is 0.1–0.5 ms, three to twelve samples at the analysis rate, so it is not read off
peaks: ideal N-waves of every duration on a fine grid, shifted by sub-sample steps and
band-limited like the decoded sound (a low-pass at 11 kHz), are fitted by least
squares to the first samples of the crack, with an offset and a slope as nuisance terms
(the crowd's low-frequency sound under the crack). The fit stops shortly after the N's
end, before the ground's reflection arrives.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.signal import firwin, resample_poly

OVERSAMPLE = 16
CUTOFF_HZ = 11_000.0
T_GRID_S = (0.06e-3, 0.6e-3, 0.005e-3)
LEAD = 6  # samples fitted before the jump
TAIL_S = 0.1e-3  # samples fitted after the N's end
SHIFTS = range(-3, 4)  # integer alignments tried around the onset
MIN_FIT = 0.8  # share of the segment's variance the N must explain to be trusted
CLIPPED_QUALITY = 0.5  # the "quality" of a clipped N-wave read by its jumps (less precise)


@lru_cache(maxsize=4)
def _templates(rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(durations, templates[duration, sub-sample shift, sample]) at `rate`."""
    ts = np.arange(*T_GRID_S)
    n = LEAD + int(np.ceil((T_GRID_S[1] + TAIL_S) * rate)) + 2
    h = firwin(32 * OVERSAMPLE + 1, CUTOFF_HZ, fs=rate * OVERSAMPLE)
    t = (np.arange(n * OVERSAMPLE) - LEAD * OVERSAMPLE) / (rate * OVERSAMPLE)
    out = np.zeros((ts.size, OVERSAMPLE, n))
    for k, dur in enumerate(ts):
        ideal = np.where((t >= 0) & (t <= dur), 1.0 - 2.0 * t / dur, 0.0)
        y = np.convolve(ideal, h, mode="same")
        for s in range(OVERSAMPLE):
            # sample j of row s lies (j − LEAD)/rate + s/(OVERSAMPLE·rate) after the jump
            out[k, s] = y[s::OVERSAMPLE][:n]
    return ts, out


def _fit(segs: np.ndarray, weights: np.ndarray, tpl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares seg ≈ A·tpl + c0 + c1·n for every (segment, template) pair:
    the share of each segment's (weighted) variance left unexplained, and A."""
    m = segs.shape[1]
    n = np.linspace(-1.0, 1.0, m)
    w, s, p = weights, segs, tpl
    ws, wn = w * s, w * n
    # normal equations, one 3×3 system per (segment, template): unknowns A, c0, c1
    g = np.empty((s.shape[0], p.shape[0], 3, 3))
    g[..., 0, 0] = w @ (p * p).T
    g[..., 0, 1] = g[..., 1, 0] = w @ p.T
    g[..., 0, 2] = g[..., 2, 0] = wn @ p.T
    g[..., 1, 1] = w.sum(axis=1)[:, None]
    g[..., 1, 2] = g[..., 2, 1] = wn.sum(axis=1)[:, None]
    g[..., 2, 2] = (wn * n).sum(axis=1)[:, None]
    rhs = np.empty((s.shape[0], p.shape[0], 3))
    rhs[..., 0] = ws @ p.T
    rhs[..., 1] = ws.sum(axis=1)[:, None]
    rhs[..., 2] = (ws * n).sum(axis=1)[:, None]
    g[..., 0, 0] += 1e-12
    coef = np.linalg.solve(g + 1e-12 * np.eye(3), rhs[..., None])[..., 0]
    ss = (ws * s).sum(axis=1)[:, None]
    resid = ss - (coef * rhs).sum(axis=-1)
    # variance about the segment's own offset and slope, the reference for "explained"
    g2 = g[:, :1, 1:, 1:]
    c2 = np.linalg.solve(g2 + 1e-12 * np.eye(2), rhs[:, :1, 1:, None])[..., 0]
    total = ss - (c2 * rhs[:, :1, 1:]).sum(axis=-1) + 1e-12
    return resid / total, coef[..., 0]


def _weights(snippet: np.ndarray) -> np.ndarray:
    """1 for every sample, 0 for a clipped crack's flattened top and bottom: a clipped
    N-wave still shows its jumps and its fall through zero, which fix its duration."""
    peak = float(np.max(np.abs(snippet))) if snippet.size else 0.0
    flat = np.abs(snippet) >= 0.9 * peak
    if peak < 0.9 or np.count_nonzero(flat) < 3:
        return np.ones_like(snippet, dtype=float)
    return (~flat).astype(float)


def _clipped(seg: np.ndarray) -> bool:
    peak = float(np.max(np.abs(seg))) if seg.size else 0.0
    # at or over full scale (band-limiting makes a clipped top ring above 1), and wide
    return bool(peak >= 0.95 and np.count_nonzero(np.abs(seg) >= 0.75 * peak) >= 3)


def _jumps_apart(x: np.ndarray, rate: int, i: int) -> tuple[float, float] | None:
    """A clipped N-wave: the time between its two upward jumps.

    Clipping flattens the N's top and bottom but leaves its jumps where they were: up
    at the start, up again at the end, and, between them, the fall through zero, steep
    when the clipping is hard and centred at T/2 (the N is odd about its middle). On the
    waveform upsampled ×8 (band-limited interpolation) the slope shows the front jump,
    the fall (its steepest descent) and the back jump near twice the fall's delay; T is
    the mean of the back jump's delay and twice the fall's. Looking for the back jump
    only there keeps the ground's reflection, ~0.5 ms later, out.
    """
    a = max(0, i - 4)
    seg = x[a : i + int(0.8e-3 * rate) + 4]
    if seg.size < 8:
        return None
    up = 8
    dy = np.diff(resample_poly(seg, up, 1))
    k0 = int(np.argmax(dy[: (i - a + 4) * up]))  # the front jump, at the onset
    lo, hi = k0 + int(0.025e-3 * rate * up), k0 + int(0.3e-3 * rate * up)
    if hi >= dy.size or lo >= hi:
        return None
    km = lo + int(np.argmin(dy[lo:hi]))  # the fall through zero
    if dy[km] > -0.1 * dy[k0]:
        return None  # no fall between: not an N-wave
    half = km - k0
    b_lo, b_hi = k0 + int(1.6 * half), min(dy.size, k0 + int(2.4 * half) + 2)
    if b_hi <= b_lo:
        return None
    k1 = b_lo + int(np.argmax(dy[b_lo:b_hi]))
    if dy[k1] < 0.3 * dy[k0]:
        return None  # no back jump where it should be
    return 0.5 * ((k1 - k0) + 2 * half) / (rate * up), CLIPPED_QUALITY


def nwave_duration(x: np.ndarray, rate: int, t_onset: float) -> tuple[float, float] | None:
    """Duration (s) of the N-wave starting near `t_onset` in `x`, and the fit's quality
    (share of the variance explained, 0–1; CLIPPED_QUALITY for a clipped crack read by
    its jumps, which on generated cracks comes out ~10 % long); None if no N-wave fits."""
    ts, tpl = _templates(rate)
    i = int(round(t_onset * rate))
    x = np.asarray(x, dtype=float)
    if _clipped(x[max(0, i - LEAD) : i + int(0.6e-3 * rate)]):
        return _jumps_apart(x, rate, i)
    wx = _weights(x[max(0, i - LEAD) : i + int(T_GRID_S[1] * rate) + LEAD])
    lo = max(0, i - LEAD)
    full = np.ones(x.size)
    full[lo : lo + wx.size] = wx
    # coarse grid first (every 4th duration), then every duration around the best
    coarse = _search(x, full, i, rate, ts, tpl, range(0, ts.size, 4))
    if coarse is None:
        return None
    k0 = int(np.argmin(np.abs(ts - coarse[1])))
    best = _search(x, full, i, rate, ts, tpl, range(max(0, k0 - 4), min(ts.size, k0 + 5)))
    if best is None:
        return None
    quality = 1.0 - best[0]
    if not np.isfinite(best[0]) or quality < MIN_FIT or best[1] <= ts[1]:
        return None  # no N-wave, or one at the grid's edge (a spike, not a measured N)
    return best[1], quality


def _search(
    x: np.ndarray,
    weights: np.ndarray,
    i: int,
    rate: int,
    ts: np.ndarray,
    tpl: np.ndarray,
    rows: range,
) -> tuple[float, float] | None:
    """(unexplained share, duration) of the best template among `rows`."""
    best = (np.inf, 0.0)
    full = weights
    for k in rows:
        dur = ts[k]
        m = LEAD + int(np.ceil((dur + TAIL_S) * rate))
        starts = [i + sh - LEAD for sh in SHIFTS]
        starts = [a for a in starts if a >= 0 and a + m <= x.size]
        if not starts:
            return None
        segs = np.stack([x[a : a + m] for a in starts])
        wts = np.stack([full[a : a + m] for a in starts])
        resid, amp = _fit(segs, wts, tpl[k, :, :m])
        resid = np.where(amp > 0, resid, np.inf)
        j = float(resid.min())
        if j < best[0]:
            best = (j, float(dur))
    return best

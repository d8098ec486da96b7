"""The duration of a bullet's N-wave, measured on the recording.

A supersonic bullet's shock reaches a microphone as an N-wave: a jump up, a linear
fall through zero, a jump back. Its duration T grows with the miss distance b (how far
the bullet's path passed the microphone) as b^(1/4) (Whitham 1952; used for gunshot
forensics by Maher 2006, 2007), so T measured to a few per cent tells b to about a
fifth: enough to correct the crack–thump distance for a phone off the line of fire.

T is 0.1–0.5 ms, three to twelve samples at the analysis rate, so it is not read off
peaks: the recording is fitted by least squares, with an offset and a slope as nuisance
terms (the crowd's low sound under the crack), by templates made the way the sound was:

1. an ideal N-wave of duration T (5 µs grid), shifted by sub-sample steps;
2. rounded by the air over the ray's path (ISO 9613-1 absorption, minimum phase: it
   is causal; within the band a phone records, AIR_BAND_HZ), the path following from
   T itself through Whitham's formula and the bullet (`Bullet`); this matters for
   clipped cracks, below;
3. clipped, if the recording is: a phone that clips cuts the N at full scale *after*
   the air has rounded its jumps, so the front jump reaches full scale early in its
   rise and the back jump leaves it late; reading a clipped N by its jumps alone made
   it ~10 % long. The template is clip(a·N) for a grid of clip depths a (the N's peak
   over full scale), so the plateau, the fall between and the jumps all fit;
4. band-limited like the decoded sound (a linear-phase low-pass at 11 kHz at the
   24 kHz analysis rate; read at the file's own rate, at the file's band edge).

The fit stops shortly after the N's end, before the ground's reflection arrives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy.signal import fftconvolve, firwin

from cadena.media.audio.physics import air_absorption_db_per_m, min_phase_filter, miss_from_nwave

OVERSAMPLE = 16
CUTOFF_HZ = 11_000.0
T_GRID_S = (0.06e-3, 0.6e-3, 0.005e-3)
LEAD = 6  # samples fitted before the jump
TAIL_S = 0.1e-3  # samples fitted after the N's end
SHIFTS = range(-3, 4)  # integer alignments tried around the located jump
JUMP_SEARCH_S = 1.4e-3  # how far after the detector's onset the jump is looked for
MIN_FIT = 0.8  # share of the segment's variance the N must explain to be trusted
# below ~2.4 samples (0.1 ms at 24 kHz) every N-wave looks alike, a band-limited
# doublet: a best fit shorter than that says only that T is short (b small); the bound
# stated is half a sample wider (on generated cracks so read, Whitham's T was at most
# 3.45 samples, 90 % under 2.6)
RESOLVED_SAMPLES = 2.4
BOUND_SAMPLES = 3.0
# what bounds resolution is the band, not the rate: 2.4 samples at 24 kHz are 1.1 cycles
# of the 11 kHz band edge; a file read at its own rate (44.1/48 kHz) keeps its band to
# 12–22 kHz (AAC 32–64 kb/s: 12.4–17.3 kHz; PCM: the anti-alias filter), where N-waves of
# 0.05–0.09 ms are resolved (the near-line 5.56 mm cracks)
RESOLVED_CYCLES = RESOLVED_SAMPLES * CUTOFF_HZ / 24_000
BOUND_CYCLES = BOUND_SAMPLES * CUTOFF_HZ / 24_000
# the N's peak over full scale, for clipped cracks (a crack near the line of fire can
# be 20 dB over a clip level set by the blasts)
CLIP_DEPTHS = (1.1, 1.25, 1.4, 1.6, 1.8, 2.0, 2.3, 2.7, 3.2, 4.0, 5.0, 6.5, 8.5, 12.0, 18.0)
AIR = (20.0, 50.0)  # °C and % humidity for the absorption; its effect varies little with them
# the air's rounding is modelled within the band a phone records; above it a real
# shock's own steepening keeps its jumps sharp (it rises in microseconds), so the
# linear absorption is not extrapolated there
AIR_BAND_HZ = 24_000.0


@dataclass(frozen=True)
class Bullet:
    """What ties an N-wave's duration to its ray path (Whitham's formula inverted):
    Mach number, calibre and length (m), speed of sound (m/s)."""

    mach: float
    caliber_m: float
    length_m: float
    c: float

    def ray_path_m(self, duration_s: float) -> float:
        """Path from where the heard shock left the trajectory to the microphone:
        b·M/√(M² − 1), the ray meeting the path at the Mach angle."""
        b = miss_from_nwave(duration_s, self.mach, self.caliber_m, self.length_m, self.c)
        return b * self.mach / math.sqrt(self.mach**2 - 1.0)


DEFAULT_BULLET = Bullet(2.0, 0.0079, 0.026, 343.0)  # 7.62×39 mm at Mach 2


class NWave(NamedTuple):
    duration_s: float
    quality: float  # share of the segment's variance the template explains (0–1)
    clipped: bool  # fitted with clipped templates (the crack reached full scale)
    resolved: bool = True  # False: shorter than the recording resolves; T < duration_s


class _Bank(NamedTuple):
    ts: np.ndarray  # durations
    proj: list[np.ndarray]  # per duration: templates with offset and slope removed
    norm: list[np.ndarray]  # their squared norms
    basis: list[np.ndarray]  # per duration: orthonormal offset + slope over the segment


def _segment_len(duration_s: float, rate: int) -> int:
    return LEAD + int(np.ceil((duration_s + TAIL_S) * rate))


def _absorbed(ideal: np.ndarray, fs: int, path_m: float) -> np.ndarray:
    """The N-wave after `path_m` metres of air (ISO 9613-1, minimum phase: causal)."""
    n_fft = 1 << int(np.ceil(np.log2(2 * ideal.size)))
    f = np.minimum(np.fft.rfftfreq(n_fft, 1.0 / fs), AIR_BAND_HZ)
    att_db = air_absorption_db_per_m(f, AIR[0], AIR[1]) * path_m
    h = min_phase_filter(10 ** (-att_db / 20.0), n_fft)
    return np.fft.irfft(np.fft.rfft(ideal, n_fft) * h, n_fft)[: ideal.size]


@lru_cache(maxsize=16)
def _bank(rate: int, clipped: bool, bullet: Bullet, cutoff_hz: float = CUTOFF_HZ) -> _Bank:
    """Templates[duration][clip depth × sub-sample shift, sample] at `rate`, with the
    nuisance terms (offset, slope over each duration's segment) projected out."""
    ts = np.arange(*T_GRID_S)
    depths = CLIP_DEPTHS if clipped else (0.0,)
    n = _segment_len(T_GRID_S[1], rate) + 2
    fs = rate * OVERSAMPLE
    h = firwin(32 * OVERSAMPLE + 1, cutoff_hz, fs=fs)
    t = (np.arange(n * OVERSAMPLE) - LEAD * OVERSAMPLE) / fs
    bank = _Bank(ts, [], [], [])
    for dur in ts:
        ideal = np.where((t >= 0) & (t <= dur), 1.0 - 2.0 * t / dur, 0.0)
        ideal = _absorbed(ideal, fs, max(bullet.ray_path_m(float(dur)), 1.0))
        m = _segment_len(float(dur), rate)
        rows = np.empty((len(depths) * OVERSAMPLE, m))
        for j, a in enumerate(depths):
            y = ideal if a == 0.0 else np.clip(a * ideal / np.max(ideal), -1.0, 1.0)
            # linear phase, aligned: output sample k is the filtered input sample k
            y = fftconvolve(y, h)[h.size // 2 : h.size // 2 + y.size]
            for s in range(OVERSAMPLE):
                # sample j of row s lies (j − LEAD)/rate + s/(OVERSAMPLE·rate) after the jump
                rows[j * OVERSAMPLE + s] = y[s::OVERSAMPLE][:m]
        q, _ = np.linalg.qr(np.stack([np.ones(m), np.linspace(-1.0, 1.0, m)], axis=1))
        p = rows - (rows @ q) @ q.T
        bank.proj.append(p)
        bank.norm.append((p * p).sum(axis=1) + 1e-12)
        bank.basis.append(q)
    return bank


def _clipped(seg: np.ndarray) -> bool:
    peak = float(np.max(np.abs(seg))) if seg.size else 0.0
    # at or over full scale (band-limiting makes a clipped top ring above 1), and wide
    return bool(peak >= 0.95 and np.count_nonzero(np.abs(seg) >= 0.75 * peak) >= 3)


def _jump(x: np.ndarray, i: int, rate: int) -> int:
    """Where the N-wave starts: the first sample from `i` − 3 on that reaches 30 % of
    the largest excursion within JUMP_SEARCH_S after `i`. The detector's onset can come
    early: a codec spreads its quantisation noise before a transient (pre-echo), and
    the onset is found on that."""
    a = max(0, i - 3)
    win = x[a : i + int(JUMP_SEARCH_S * rate)]
    seg = np.abs(win - np.median(win)) if win.size else win
    if seg.size == 0 or float(seg.max()) <= 0.0:
        return i
    return a + int(np.argmax(seg >= 0.3 * float(seg.max())))


def _unexplained(x: np.ndarray, i: int, bank: _Bank, k: int) -> float | None:
    """Least unexplained share of the segment's variance (offset and slope removed)
    over the templates of duration k and the alignments around sample i."""
    p, norm, q = bank.proj[k], bank.norm[k], bank.basis[k]
    m = p.shape[1]
    starts = [a for a in (i + sh - LEAD for sh in SHIFTS) if a >= 0 and a + m <= x.size]
    if not starts:
        return None
    s = np.stack([x[a : a + m] for a in starts])
    s = s - (s @ q) @ q.T
    num = s @ p.T
    total = (s * s).sum(axis=1)[:, None] + 1e-12
    share = np.where(num > 0, (total - num * num / norm) / total, np.inf)
    return float(share.min())


def nwave_duration(
    x: np.ndarray,
    rate: int,
    t_onset: float,
    bullet: Bullet = DEFAULT_BULLET,
    cutoff_hz: float = CUTOFF_HZ,
) -> NWave | None:
    """The N-wave starting near `t_onset` in `x`: its duration (s), the fit's quality
    and whether it was read as clipped; None if no N-wave fits. `cutoff_hz` is the
    band edge of `x` (the templates are band-limited alike). An N-wave shorter than
    the band resolves comes back with `resolved` False and an upper bound as its
    duration."""
    x = np.asarray(x, dtype=float)
    i = _jump(x, int(round(t_onset * rate)), rate)
    clipped = _clipped(x[max(0, i - LEAD) : i + int(0.6e-3 * rate)])
    cutoff_hz = min(cutoff_hz, 0.49 * rate)
    bank = _bank(rate, clipped, bullet, cutoff_hz)
    # coarse grid first (every 4th duration), then every duration around the best
    coarse = _search(x, i, bank, range(0, bank.ts.size, 4))
    if coarse is None:
        return None
    best = _search(x, i, bank, range(max(0, coarse[1] - 4), min(bank.ts.size, coarse[1] + 5)))
    if best is None:
        return None
    quality = 1.0 - best[0]
    if not np.isfinite(best[0]) or quality < MIN_FIT:
        return None  # no N-wave
    if bank.ts[best[1]] < max(RESOLVED_SAMPLES / rate, RESOLVED_CYCLES / cutoff_hz):
        bound = max(BOUND_SAMPLES / rate, BOUND_CYCLES / cutoff_hz)
        return NWave(bound, quality, clipped, resolved=False)
    return NWave(float(bank.ts[best[1]]), quality, clipped)


def _search(x: np.ndarray, i: int, bank: _Bank, rows: range) -> tuple[float, int] | None:
    """(unexplained share, duration index) of the best template among `rows`."""
    best = (np.inf, -1)
    for k in rows:
        share = _unexplained(x, i, bank, k)
        if share is None:
            return None
        if share < best[0]:
            best = (share, k)
    return best if best[1] >= 0 else None

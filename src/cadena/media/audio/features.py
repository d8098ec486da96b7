"""Measurements of one impulsive event, from which its class is judged."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
from scipy.signal import butter, sosfiltfilt

from cadena.media.audio.onsets import BANDS_HZ, HOP


@dataclass
class Features:
    """What an onset looks like (all levels in dB above the local background)."""

    t: float
    score_db: float
    band_excess_db: list[float]  # per band of BANDS_HZ, at the onset
    lf_db: float  # strongest excess below 1 kHz
    hf_db: float  # strongest excess above 2 kHz
    rise_ms: float  # 10 % → 90 % of the first peak of the envelope
    width_ms: float  # time the envelope stays within 10 dB of its peak
    decay_ms: float  # time to fall 20 dB below the peak (low-passed envelope)
    peak: float  # absolute peak amplitude (full scale = 1)
    energy_db: float  # energy of the first 4 ms (less hurt by clipping than the peak)
    tilt_db: float  # event power above 2 kHz over power below 1 kHz, background removed
    clipped: bool
    weak: bool = False  # below the onset threshold: used only where a shot is expected
    # positive-phase duration (ms) between the zero crossings around the first peak;
    # measured only where the event's own first lobe is clipped (0.0 otherwise):
    # clipping stretches the envelope's width but leaves the zero crossings in place
    phase_ms: float = 0.0
    # the first samples of the event, kept for a later N-wave fit (nwave.py) if the
    # event turns out to be a bullet's crack; starts SNIPPET_LEAD samples before t
    snippet: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d.pop("snippet")
        return d


SNIPPET_LEAD = 12
SNIPPET_LEN = 44


def _envelope(x: np.ndarray, rate: int, smooth_ms: float) -> np.ndarray:
    k = max(1, int(smooth_ms * rate / 1000))
    return np.sqrt(np.convolve(x * x, np.ones(k) / k, mode="same"))


@lru_cache(maxsize=8)
def _lowpass_sos(rate: int, hz: float) -> np.ndarray:
    return np.asarray(butter(2, hz, btype="lowpass", fs=rate, output="sos"))


def _lowpass(x: np.ndarray, rate: int, hz: float) -> np.ndarray:
    return np.asarray(sosfiltfilt(_lowpass_sos(rate, hz), x)) if x.size > 15 else x


def measure(
    x: np.ndarray,
    rate: int,
    t: float,
    score_db: float,
    band_excess: np.ndarray,
    tilt_db: float = 0.0,
    full: bool = True,
) -> Features:
    """Features of the event starting at `t` seconds in `x` (mono, at `rate`).

    `full=False` (weak onsets, judged by their tilt alone) skips the decay (0.0)."""
    i = int(round(t * rate))
    pre = x[max(0, i - int(0.3 * rate)) : max(0, i - int(0.02 * rate))]
    noise = float(np.sqrt(np.median(pre * pre))) if pre.size else 1e-6
    seg = x[max(0, i - int(0.001 * rate)) : i + int(0.08 * rate)]
    if seg.size < 8:
        seg = np.pad(seg, (0, 8 - seg.size))
    env = _envelope(seg, rate, 0.15)
    head = env[: int(0.006 * rate)]
    k_peak = int(np.argmax(head))
    peak = float(head[k_peak]) + 1e-12
    floor = min(noise, peak)
    lo = floor + 0.1 * (peak - floor)
    hi = floor + 0.9 * (peak - floor)
    k10 = int(np.argmax(env[: k_peak + 1] >= lo))
    k90 = int(np.argmax(env[: k_peak + 1] >= hi))
    above = env >= peak / 10 ** (10 / 20)
    width = _run_length(above, k_peak)
    decay = _decay_s(seg, rate, noise) if full else 0.0
    exc = np.asarray(band_excess, dtype=float)
    clipped = bool(np.count_nonzero(np.abs(seg) >= 0.98) >= 3)
    return Features(
        t=t,
        score_db=score_db,
        band_excess_db=[round(float(v), 2) for v in exc],
        lf_db=float(exc[:2].max()),
        hf_db=float(exc[3:].max()),
        rise_ms=1000 * max(k90 - k10, 0) / rate,
        width_ms=1000 * width / rate,
        decay_ms=1000 * decay,
        peak=float(np.max(np.abs(seg[: int(0.006 * rate)]))),
        energy_db=_energy_db(x, rate, i),
        tilt_db=tilt_db,
        clipped=clipped,
        phase_ms=_positive_phase_ms(x, rate, i)
        if _head_clipped(seg, rate) and noise <= PHASE_MAX_NOISE
        else 0.0,
        snippet=np.array(x[i - SNIPPET_LEAD : i - SNIPPET_LEAD + SNIPPET_LEN])
        if i >= SNIPPET_LEAD
        else np.zeros(0, np.float32),
    )


# The zero crossings are the event's own only where its lobe stands well above the
# street's noise: a clipped lobe (full scale 1) at least 20 dB above it.
PHASE_MAX_NOISE = 0.1


def _head_clipped(seg: np.ndarray, rate: int) -> bool:
    """Is the event's own first lobe clipped (not only something later in its window)?"""
    return bool(np.count_nonzero(np.abs(seg[: int(0.005 * rate)]) >= 0.98) >= 3)


@lru_cache(maxsize=8)
def _highpass_sos(rate: int) -> np.ndarray:
    return np.asarray(butter(2, 100, btype="highpass", fs=rate, output="sos"))


def _positive_phase_ms(x: np.ndarray, rate: int, i: int) -> float:
    """Duration (ms) of the first lobe of the event starting at sample i: from the zero
    crossing before its largest excursion in the first 4 ms to the one after.

    For a blast this is the Friedlander positive phase t*; for an N-wave half its
    duration; clipping flattens the lobe but does not move its zero crossings. The
    street's slow sway is removed first (100 Hz high-pass: without it, measured worse);
    the filter shortens lobes of several ms, so a clipped launcher's 3–7 ms thump can
    read as a blast (a limit, docs/sound.md)."""
    lead = int(0.002 * rate)
    seg = x[max(0, i - lead) : i + int(0.012 * rate)].astype(np.float64)
    if seg.size <= 3 * lead:
        return 0.0
    seg = sosfiltfilt(_highpass_sos(rate), seg)[min(lead, i) :]
    k = int(np.argmax(np.abs(seg[: int(0.004 * rate)])))
    sign = np.sign(seg[k])
    before = np.flatnonzero(np.sign(seg[:k]) != sign)
    after = np.flatnonzero(np.sign(seg[k:]) != sign)
    start = int(before[-1]) + 1 if before.size else 0
    end = k + (int(after[0]) if after.size else seg.size - k)
    return 1000 * (end - start) / rate


def _decay_s(seg: np.ndarray, rate: int, noise: float) -> float:
    env_lp = _envelope(_lowpass(seg, rate, 4000), rate, 2.0)
    k_lp = int(np.argmax(env_lp[: int(0.01 * rate)]))
    ref = env_lp[k_lp]
    below = np.flatnonzero(env_lp[k_lp:] < max(ref / 10, 2 * noise))
    return float((below[0] if below.size else env_lp.size - k_lp) / rate)


def _energy_db(x: np.ndarray, rate: int, i: int) -> float:
    """Energy of the strongest 4 ms starting within ±2 ms of the onset: in noise the
    onset may be placed a little early or late, and a fixed window would then weigh a
    bang against its echo unfairly (the echo rule compares these energies)."""
    w, s = int(0.004 * rate), int(0.002 * rate)
    seg = x[max(0, i - s) : i + s + w].astype(np.float64)
    if seg.size <= w:
        return float(10 * np.log10(np.sum(seg**2) + 1e-12))
    c = np.concatenate([[0.0], np.cumsum(seg * seg)])
    return float(10 * np.log10(np.max(c[w:] - c[:-w]) + 1e-12))


def _run_length(mask: np.ndarray, k: int) -> int:
    """Length of the run of True in `mask` that contains index k."""
    if not mask[k]:
        return 0
    left = k
    while left > 0 and mask[left - 1]:
        left -= 1
    right = k
    while right + 1 < mask.size and mask[right + 1]:
        right += 1
    return right - left + 1


def band_excess_at(
    levels: np.ndarray, bg: np.ndarray, t: float, rate: int
) -> tuple[np.ndarray, float]:
    """Each band's strongest excess (dB) over background in the frames of the first ms,
    and the spectral tilt: the event's own power above 2 kHz over that below 1 kHz."""
    hop_s = HOP / rate
    k = int(t / hop_s)
    a = max(0, k - int(round(0.004 / hop_s)))
    b = min(levels.shape[0], k + int(round(0.006 / hop_s)))
    if b <= a:
        return np.zeros(len(BANDS_HZ)), 0.0
    power = np.clip(10 ** (levels[a:b] / 10) - 10 ** (bg[a:b] / 10), 0, None).sum(axis=0)
    tilt = 10 * np.log10((power[3:].sum() + 1e-12) / (power[:2].sum() + 1e-12))
    return np.asarray((levels[a:b] - bg[a:b]).max(axis=0)), float(tilt)

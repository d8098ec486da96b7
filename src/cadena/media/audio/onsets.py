"""Impulsive onsets: sudden broadband rises of sound energy above the street's background.

Method (docs/sound.md): a short-time spectrum (5.3 ms frames, 2 ms hop) in six octave
bands; each band's level is compared with (a) its background, the running median of
the preceding 0.4 s, and (b) its own level 5–10 ms earlier, so that a reverberant tail
or a slow shout does not count as a new onset. The onset score is the mean over the
bands of the smaller of the two rises, so a broadband bang scores high and a siren's
or voice's few bands score low. Peaks of the score above a threshold are onsets,
refined to the sample on the high-passed waveform.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
from scipy.ndimage import maximum_filter1d, median_filter
from scipy.signal import butter, find_peaks, sosfilt

FRAME = 128  # samples at the analysis rate (24 kHz): 5.3 ms
HOP = 48  # 2 ms
BANDS_HZ = [(150, 500), (500, 1000), (1000, 2000), (2000, 4000), (4000, 8000), (8000, 11500)]
BG_SECONDS = 0.4
RECENT_MS = (5, 10)
TOP_BANDS = 2
PROMINENCE_DB = 3.0


@dataclass(frozen=True)
class OnsetParams:
    """Detection parameters; they are reported with every result."""

    threshold_db: float = 7.0  # mean over bands of the rise, dB
    # onsets between weak_db and threshold_db are kept aside: a second pass takes them
    # only where other evidence expects a shot (a crack's blast, a burst's next round)
    weak_db: float = 4.5
    min_gap_ms: float = 4.0  # two onsets closer than this are one
    rate: int = 24_000

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "multiband-rise",
            "threshold_db": self.threshold_db,
            "weak_db": self.weak_db,
            "min_gap_ms": self.min_gap_ms,
            "analysis_rate_hz": self.rate,
            "frame_ms": 1000 * FRAME / self.rate,
            "hop_ms": 1000 * HOP / self.rate,
            "background_s": BG_SECONDS,
            "bands_hz": BANDS_HZ,
        }


@dataclass
class Onset:
    t: float  # seconds from the start of the analysed signal
    score_db: float  # mean band rise at the peak
    level_db: float  # broadband level above background at the peak


@lru_cache(maxsize=8)
def _band_matrix(rate: int) -> np.ndarray:
    """(bins, bands) 0/1 matrix summing a frame's power spectrum into BANDS_HZ."""
    freqs = np.fft.rfftfreq(FRAME, 1.0 / rate)
    m = np.zeros((freqs.size, len(BANDS_HZ)), dtype=np.float32)
    for b, (lo, hi) in enumerate(BANDS_HZ):
        m[(freqs >= lo) & (freqs < hi), b] = 1.0
    return m


_WINDOW = np.hanning(FRAME).astype(np.float32)


def band_levels(x: np.ndarray, rate: int) -> np.ndarray:
    """Level (dB) of each band per hop; shape (n_frames, n_bands). Frame k starts at k·HOP."""
    x = np.asarray(x, dtype=np.float32)
    if x.size < FRAME:
        x = np.pad(x, (0, FRAME - x.size))
    frames = np.lib.stride_tricks.sliding_window_view(x, FRAME)[::HOP]
    spec = scipy.fft.rfft(frames * _WINDOW, axis=1)  # keeps float32, unlike numpy's
    power = (spec.real**2 + spec.imag**2).astype(np.float32)
    return np.asarray(10 * np.log10(power @ _band_matrix(rate) + 1e-12), dtype=np.float32)


def _background(levels: np.ndarray, rate: int) -> np.ndarray:
    """Running median of each band over the preceding BG_SECONDS (on a 20 ms grid)."""
    step = max(1, int(0.02 * rate / HOP))
    n = levels.shape[0]
    coarse = levels[: n - n % step].reshape(-1, step, levels.shape[1]).mean(axis=1)
    if coarse.shape[0] == 0:
        coarse = levels.mean(axis=0, keepdims=True)
    width = max(3, int(BG_SECONDS / 0.02))
    med = median_filter(coarse, size=(width, 1), mode="nearest")
    # centred → trailing, plus one coarse step so an onset never raises its own background
    med = _delay(med, width // 2 + 1)
    grid = np.minimum(np.arange(n) // step, med.shape[0] - 1)
    return np.asarray(med[grid])


def _delay(a: np.ndarray, k: int) -> np.ndarray:
    """a[i - k] at row i (the first rows repeat a[0])."""
    if k <= 0:
        return a
    return np.vstack([np.repeat(a[:1], k, axis=0), a])[: a.shape[0]]


@dataclass
class Scores:
    """Per-hop (2 ms) measurements of a signal, shared by detection and features."""

    score: np.ndarray  # onset score, dB
    level: np.ndarray  # broadband level above background, dB
    levels: np.ndarray  # band levels, dB (n_hops, n_bands)
    bg: np.ndarray  # band backgrounds, dB


def scores(x: np.ndarray, rate: int) -> Scores:
    """Onset score and band levels of `x` (2 ms hops)."""
    levels = band_levels(x, rate)
    bg = _background(levels, rate)
    score, level = _score(levels, bg, rate)
    return Scores(score, level, levels, bg)


def onset_score(x: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-hop onset score (dB), level above background, and the band rises."""
    levels = band_levels(x, rate)
    bg = _background(levels, rate)
    score, level = _score(levels, bg, rate)
    return score, level, _rise(levels, bg, rate)


def _rise(levels: np.ndarray, bg: np.ndarray, rate: int) -> np.ndarray:
    hop_ms = 1000 * HOP / rate
    lo, hi = (int(round(v / hop_ms)) for v in RECENT_MS)
    size = hi - lo + 1
    recent = _delay(maximum_filter1d(levels, size=size, axis=0), lo + size // 2)
    return np.minimum(levels - bg, levels - recent)


def _score(levels: np.ndarray, bg: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray]:
    rise = _rise(levels, bg, rate)
    # mean of the TOP_BANDS strongest rises: a distant blast has lost its highs to the air
    # and may rise in only one or two low bands, while a single band alone is too noisy
    top = np.sort(np.clip(rise, 0, 40), axis=1)[:, -TOP_BANDS:]
    score = top.mean(axis=1)
    level = 10 * np.log10(np.mean(10 ** ((levels - bg) / 10), axis=1))
    return score, level


@lru_cache(maxsize=8)
def _highpass_sos(rate: int) -> np.ndarray:
    return np.asarray(butter(2, 300, btype="highpass", fs=rate, output="sos"))


def _highpass(x: np.ndarray, rate: int) -> np.ndarray:
    return np.asarray(sosfilt(_highpass_sos(rate), x))


def refine(x_hp: np.ndarray, rate: int, lo_s: float, hi_s: float) -> float:
    """The first sample in [lo_s, hi_s] where the waveform reaches 30% of its local peak."""
    a = max(0, int(lo_s * rate))
    b = min(x_hp.size, int(hi_s * rate))
    if b - a < 4:
        return lo_s
    seg = np.abs(x_hp[a : min(x_hp.size, b + int(0.002 * rate))])
    pre = np.abs(x_hp[max(0, a - int(0.002 * rate)) : a])
    floor = float(np.median(pre)) if pre.size else 0.0
    peak = float(seg.max())
    k = int(np.argmax(seg >= floor + 0.3 * (peak - floor)))
    return (a + min(k, b - a)) / rate


def _refine_local(x: np.ndarray, rate: int, centre: float) -> float:
    """refine() on a high-passed stretch around `centre` (filtering only what is needed)."""
    a = max(0, int((centre - 0.03) * rate))
    b = min(x.size, int((centre + 0.01) * rate))
    seg = _highpass(x[a:b], rate)
    return a / rate + refine(seg, rate, centre - a / rate - 0.004, centre - a / rate + 0.004)


def detect(
    x: np.ndarray, params: OnsetParams | None = None, pre: Scores | None = None
) -> list[Onset]:
    """Impulsive onsets in `x` (mono, at params.rate); `pre`: its scores, if computed."""
    p = params or OnsetParams()
    rate = p.rate
    sc = pre if pre is not None else scores(x, rate)
    score, level = sc.score, sc.level
    hop_s = HOP / rate
    # peaks standing out from the dip before them: a blast right after a crack's
    # reflection is a second peak, not a shoulder of the first
    low = min(p.threshold_db, p.weak_db)
    cand, _ = find_peaks(score, height=low, prominence=PROMINENCE_DB, distance=2)
    out: list[Onset] = []
    for k in cand:
        # the frame that first rose: the score peaks a few hops after the true onset
        k0 = k
        while k0 > 0 and score[k0 - 1] < score[k0] and score[k0 - 1] >= 0.5 * score[k]:
            k0 -= 1
        centre = k0 * hop_s + 0.5 * FRAME / rate  # the first rising frame's middle
        t = _refine_local(x, rate, centre)
        if out and t - out[-1].t < p.min_gap_ms / 1000:
            if score[k] > out[-1].score_db:
                out[-1] = Onset(t, float(score[k]), float(level[k]))
            continue
        out.append(Onset(t, float(score[k]), float(level[k])))
    return out

"""An audio fingerprint from spectral-peak landmarks, so a copy with another picture still matches.

The sound is decoded with PyAV, mixed to mono and resampled to 8 kHz. Peaks of the log spectrogram
(local maxima over about ±0.1 s and ±170 Hz, the strongest few per second) are paired with the next
peaks ahead of them; each pair gives a 24-bit landmark (frequency of the anchor, of the partner, and
their time gap) stamped with the anchor's time. Two recordings of the same sound share many
landmarks at one constant time offset; unrelated sound shares few and at scattered offsets.
Re-encoding, resampling, volume changes, added noise and cutting an excerpt leave enough landmarks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from scipy import ndimage, signal

from cadena.errors import CadenaError
from cadena.media.frames import open_media

KIND = "audio-landmarks"
VERSION = "1"
RATE = 8000
N_FFT = 512
HOP = 256  # 32 ms per spectrogram column
PEAKS_PER_SECOND = 30
FAN_OUT = 5
MAX_DT = 63  # columns (about 2 s)
MIN_COMMON = 10  # aligned landmarks needed for a match
MIN_SHARE = 0.05  # ... and this share of the smaller fingerprint's landmarks


@dataclass
class AudioFingerprint:
    hashes: np.ndarray  # (k,) uint32 landmarks
    columns: np.ndarray  # (k,) int32 anchor time, in spectrogram columns
    duration: float

    def __len__(self) -> int:
        return len(self.hashes)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out, hashes=self.hashes, columns=self.columns, duration=np.float64(self.duration)
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> AudioFingerprint:
        z = np.load(io.BytesIO(data))
        return cls(z["hashes"], z["columns"], float(z["duration"]))


@dataclass(frozen=True)
class AudioMatch:
    common: int  # landmarks agreeing on the offset
    share: float  # common / landmarks of the smaller fingerprint
    offset: float  # seconds: the query's time 0 falls here in the other recording


def decode_audio(path: str | Path, rate: int = RATE) -> np.ndarray | None:
    """Mono float32 samples at `rate`, or None when the file has no sound."""
    with open_media(path) as c:
        if not c.streams.audio:
            return None
        stream = c.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        parts = []
        try:
            for frame in c.decode(stream):
                for out in resampler.resample(frame):
                    parts.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
        except av.FFmpegError as exc:
            raise CadenaError(f"{path}: the sound could not be decoded ({exc}).") from exc
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def _peaks(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, _, spec = signal.stft(
        samples, nperseg=N_FFT, noverlap=N_FFT - HOP, boundary=None, padded=False
    )
    power = np.log(np.abs(spec) ** 2 + 1e-10)
    local = ndimage.maximum_filter(power, size=(21, 7), mode="constant", cval=-np.inf)
    floor = np.median(power) + 2.0
    f, t = np.nonzero((power == local) & (power > floor))
    if not len(t):
        return f, t
    # Keep the strongest peaks, about PEAKS_PER_SECOND of them per second.
    budget = max(1, int(PEAKS_PER_SECOND * spec.shape[1] * HOP / RATE))
    strongest = np.argsort(-power[f, t], kind="stable")[:budget]
    keep = np.sort(strongest)
    order = np.lexsort((f[keep], t[keep]))
    return f[keep][order], t[keep][order]


def fingerprint_samples(samples: np.ndarray) -> AudioFingerprint:
    duration = len(samples) / RATE
    if len(samples) < N_FFT * 4:
        return AudioFingerprint(np.zeros(0, np.uint32), np.zeros(0, np.int32), duration)
    f, t = _peaks(samples)
    hashes, columns = [], []
    for i in range(len(t)):
        j = i + 1
        paired = 0
        while j < len(t) and paired < FAN_OUT:
            dt = t[j] - t[i]
            if dt > MAX_DT:
                break
            if dt >= 1:
                hashes.append((int(f[i]) << 15) | (int(f[j]) << 6) | int(dt))
                columns.append(int(t[i]))
                paired += 1
            j += 1
    return AudioFingerprint(
        np.array(hashes, dtype=np.uint32), np.array(columns, dtype=np.int32), duration
    )


def fingerprint_audio(path: str | Path) -> AudioFingerprint | None:
    """The landmark fingerprint of a file's sound, or None when it has none."""
    samples = decode_audio(path)
    return None if samples is None else fingerprint_samples(samples)


def compare(query: AudioFingerprint, other: AudioFingerprint) -> AudioMatch | None:
    """The best-aligned shared landmarks of two fingerprints, if enough for the same sound."""
    if not len(query) or not len(other):
        return None
    order = np.argsort(other.hashes, kind="stable")
    sorted_hashes = other.hashes[order]
    lo = np.searchsorted(sorted_hashes, query.hashes, side="left")
    hi = np.searchsorted(sorted_hashes, query.hashes, side="right")
    counts = hi - lo
    if not counts.sum():
        return None
    q_idx = np.repeat(np.arange(len(query)), counts)
    o_idx = order[np.repeat(lo - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())]
    delta = other.columns[o_idx] - query.columns[q_idx]
    values, n = np.unique(delta, return_counts=True)
    # Allow one column of jitter around the best offset.
    smooth = n + np.concatenate([[0], n[:-1]]) * (np.diff(values, prepend=values[0] - 2) == 1)
    best = int(np.argmax(smooth))
    common = int(smooth[best])
    share = common / min(len(query), len(other))
    if common < MIN_COMMON or share < MIN_SHARE:
        return None
    return AudioMatch(common, round(share, 3), round(float(values[best]) * HOP / RATE, 3))

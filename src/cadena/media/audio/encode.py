"""Write mono float32 sound to real files with PyAV, and pass it through a phone codec.

Used by the generator (phone codec), the tests and the benchmarks, which all work on
real files decoded back with PyAV rather than on arrays handed over in memory.
"""

from __future__ import annotations

import io
import os
from fractions import Fraction
from typing import Any

import av
import numpy as np

from cadena.media.audio.decode import decode

# container format, codec, sample format each codec's encoder takes
_CODECS = {
    "pcm": ("wav", "pcm_s16le", "s16"),
    "aac": ("mp4", "aac", "fltp"),
    "opus": ("ogg", "libopus", "s16"),
    "amr": ("amr", "libopencore_amrnb", "s16"),
    "mp3": ("mp3", "libmp3lame", "fltp"),
}


def _encode(
    target: str | io.BytesIO,
    samples: np.ndarray,
    rate: int,
    codec: str,
    bitrate: int | None,
    fmt: str | None = None,
) -> None:
    container_fmt, codec_name, sample_fmt = _CODECS[codec]
    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    with av.open(target, mode="w", format=fmt or container_fmt) as out:
        stream: Any = out.add_stream(codec_name, rate=rate)
        stream.layout = "mono"
        if bitrate:
            stream.bit_rate = bitrate
        stream.time_base = Fraction(1, rate)
        frame_size = stream.codec_context.frame_size or 1024
        data: np.ndarray = (x * 32767).astype(np.int16) if sample_fmt == "s16" else x
        pts = 0
        for start in range(0, data.size, frame_size):
            block = data[start : start + frame_size]
            if block.size < frame_size and codec in ("aac", "opus", "amr", "mp3"):
                block = np.pad(block, (0, frame_size - block.size))
            frame = av.AudioFrame.from_ndarray(
                block.reshape(1, -1), format=sample_fmt, layout="mono"
            )
            frame.sample_rate = rate
            frame.pts = pts
            frame.time_base = Fraction(1, rate)
            pts += block.size
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def write_wav(path: str | os.PathLike[str], samples: np.ndarray, rate: int) -> None:
    """16-bit PCM WAV."""
    _encode(os.fspath(path), samples, rate, "pcm", None)


def write_aac_mp4(
    path: str | os.PathLike[str], samples: np.ndarray, rate: int, bitrate: int = 64000
) -> None:
    """AAC-LC in an MP4 container, as phones and platforms deliver."""
    _encode(os.fspath(path), samples, rate, "aac", bitrate)


def write_audio(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    rate: int,
    codec: str = "pcm",
    bitrate: int | None = None,
) -> None:
    """Write with any codec of `_CODECS` (pcm, aac, opus, amr, mp3)."""
    if codec not in _CODECS:
        raise ValueError(f"unknown codec {codec!r}; use one of {sorted(_CODECS)}")
    _encode(os.fspath(path), samples, rate, codec, bitrate)


CODEC_RATES = {"amr": 8000, "opus": 48000}


def codec_roundtrip(samples: np.ndarray, rate: int, codec: str, bitrate: int) -> np.ndarray:
    """Encode at a (low) bitrate and decode back, time-aligned and at the original rate.

    The encoder's priming delay is removed by locating the best alignment within ±100 ms,
    so generator labels stay exact after the codec.
    """
    codec_rate = CODEC_RATES.get(codec, rate)
    x = np.asarray(samples, dtype=np.float32)
    if codec_rate != rate:
        x = _resample(x, rate, codec_rate)
    buf = io.BytesIO()
    _encode(buf, x, codec_rate, codec, bitrate)
    buf.seek(0)
    y = decode(buf, rate)
    return _align(np.asarray(samples, dtype=np.float32), y)


def _resample(x: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = np.gcd(rate, new_rate)
    return resample_poly(x, new_rate // g, rate // g).astype(np.float32)


def _align(ref: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Shift `y` so it lines up with `ref` (codec delay), then cut/pad to ref's length."""
    n = min(ref.size, y.size, 1 << 18)
    max_lag = min(n // 2, 8192)
    a = ref[:n].astype(np.float64)
    b = y[:n].astype(np.float64)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size))
    cc = np.fft.irfft(spec, size)
    lags = np.concatenate([cc[: max_lag + 1], cc[-max_lag:]])
    k = int(np.argmax(lags))
    lag = k if k <= max_lag else k - 2 * max_lag - 1
    y = y[lag:] if lag >= 0 else np.concatenate([np.zeros(-lag, np.float32), y])
    if y.size < ref.size:
        y = np.pad(y, (0, ref.size - y.size))
    return y[: ref.size].astype(np.float32)

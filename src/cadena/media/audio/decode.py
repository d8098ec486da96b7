"""Decode the sound of any audio or video file to mono float32 at a chosen rate.

PyAV (FFmpeg) does the demuxing, decoding, down-mixing and resampling in one pass;
samples come out in fixed-size chunks so that memory stays flat however long the
recording is. Damaged packets are skipped and counted rather than aborting: an
item is never refused for being partly unreadable, but the report says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import av
import numpy as np

DEFAULT_CHUNK_SECONDS = 10.0


class AudioError(ValueError):
    """The file has no sound Cadena can read; the message says what to do."""


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about its first audio stream."""

    codec: str
    source_rate: int
    channels: int
    duration_s: float | None


@dataclass
class DecodeReport:
    """Filled in while decoding: what was read and what could not be."""

    samples: int = 0
    bad_packets: int = 0
    clipped_samples: int = 0

    def clipped_fraction(self) -> float:
        return self.clipped_samples / self.samples if self.samples else 0.0


Source = str | os.PathLike[str] | IO[bytes]


def _open(source: Source) -> Any:
    try:
        return av.open(source if not isinstance(source, os.PathLike) else os.fspath(source))
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioError(
            f"cannot open {source!r} as audio or video ({exc}); the original is kept, "
            "but its sound cannot be analysed"
        ) from exc


def _audio_stream(container: Any, source: Source) -> Any:
    if not container.streams.audio:
        container.close()
        raise AudioError(
            f"{source!r} has no audio stream; choose an item with sound (a video with its "
            "soundtrack, or an audio file)"
        )
    return container.streams.audio[0]


def probe(source: Source) -> AudioInfo:
    """Codec, native rate, channels and duration of the first audio stream."""
    container = _open(source)
    try:
        stream = _audio_stream(container, source)
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        return AudioInfo(
            codec=stream.codec_context.name,
            source_rate=int(stream.codec_context.sample_rate or 0),
            channels=int(stream.codec_context.channels or 0),
            duration_s=duration,
        )
    finally:
        container.close()


def _resampled(container: Any, stream: Any, rate: int, report: DecodeReport) -> Iterator[Any]:
    """Yield mono float32 arrays from every decodable packet, resampled to `rate`."""
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.FFmpegError:
            # A damaged packet: skip it, count it, keep the rest of the sound.
            report.bad_packets += 1
            continue
        for frame in frames:
            frame.pts = None  # let the resampler stitch frames by sample count
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
    for out in resampler.resample(None):
        yield out.to_ndarray().reshape(-1)


def iter_chunks(
    source: Source,
    rate: int,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    report: DecodeReport | None = None,
) -> Iterator[np.ndarray]:
    """Yield consecutive mono float32 chunks of `chunk_seconds` (the last may be shorter).

    Stereo and multichannel sound is mixed down; any source rate is resampled to `rate`.
    """
    if rate <= 0:
        raise AudioError(f"sample rate must be positive, got {rate}")
    report = report if report is not None else DecodeReport()
    size = max(1, int(round(chunk_seconds * rate)))
    container = _open(source)
    try:
        stream = _audio_stream(container, source)
        buf = np.empty(size, dtype=np.float32)
        fill = 0
        for piece in _resampled(container, stream, rate, report):
            pos = 0
            while pos < piece.size:
                take = min(size - fill, piece.size - pos)
                buf[fill : fill + take] = piece[pos : pos + take]
                fill += take
                pos += take
                if fill == size:
                    yield _account(buf.copy(), report)
                    fill = 0
        if fill:
            yield _account(buf[:fill].copy(), report)
    finally:
        container.close()


def _account(chunk: np.ndarray, report: DecodeReport) -> np.ndarray:
    report.samples += chunk.size
    report.clipped_samples += int(np.count_nonzero(np.abs(chunk) >= 0.98))
    return chunk


def decode(source: Source, rate: int, report: DecodeReport | None = None) -> np.ndarray:
    """The whole sound as one mono float32 array at `rate` (for short recordings)."""
    chunks = list(iter_chunks(source, rate, report=report))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks)


#: decoded ahead of a segment after a seek: a codec's first frame after a seek lacks the
#: overlap of the frame before it (AAC's MDCT), so it is decoded and thrown away
SEEK_PREROLL_S = 0.1


def segments_at(
    source: Source, times: list[float], half_s: float
) -> tuple[list[np.ndarray | None], int]:
    """Mono float32 segments [t − half_s, t + half_s) at the source's own rate (no
    resampling: what the file holds above the analysis rate's Nyquist is kept), and
    that rate. Each is found by seeking, so a few segments cost a few frames each, not
    a second decoding pass; a segment that cannot be read whole is None."""
    container = _open(source)
    try:
        stream = _audio_stream(container, source)
        rate = int(stream.codec_context.sample_rate or 0)
        out = [_segment(container, stream, rate, t, half_s) for t in times]
    finally:
        container.close()
    return out, rate


def _segment(container: Any, stream: Any, rate: int, t: float, half_s: float) -> np.ndarray | None:
    a, n = int(round((t - half_s) * rate)), int(round(2 * half_s * rate))
    if a < 0 or rate <= 0 or stream.time_base is None:
        return None
    out = np.zeros(n, np.float32)
    filled = 0  # samples of out written, in order
    try:
        container.seek(max(0, int((t - half_s - SEEK_PREROLL_S) / stream.time_base)), stream=stream)
        # same rate: the resampler only mixes down and converts, it adds no delay
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        for packet in container.demux(stream):
            for frame in packet.decode():
                if frame.pts is None:
                    return None
                start = int(round(float(frame.pts * stream.time_base) * rate)) - a
                for piece in resampler.resample(frame):
                    x = piece.to_ndarray().reshape(-1)
                    lo, hi = max(start, filled), min(start + x.size, n)
                    if lo > filled:
                        return None  # a gap (a damaged packet): not whole
                    if hi > lo:
                        out[lo:hi] = x[lo - start : hi - start]
                        filled = hi
                    start += x.size
                if filled == n:
                    return out
    except av.error.FFmpegError:
        return None
    return None

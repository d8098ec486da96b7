"""Decoding real files with PyAV: any rate, stereo, AAC in MP4, chunked, bad input."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from cadena.media.audio.decode import AudioError, DecodeReport, decode, iter_chunks, probe
from cadena.media.audio.encode import codec_roundtrip, write_aac_mp4, write_wav


def _click_track(rate: int, seconds: float, at: float) -> np.ndarray:
    x = np.random.default_rng(0).normal(0, 0.01, int(rate * seconds)).astype(np.float32)
    i = int(at * rate)
    x[i : i + int(0.001 * rate)] += 0.8
    return x


def _write_stereo(path: Path, left: np.ndarray, right: np.ndarray, rate: int) -> None:
    with av.open(str(path), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=rate)
        stream.layout = "stereo"
        data = (np.stack([left, right], axis=1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
        frame.sample_rate = rate
        frame.pts = 0
        frame.time_base = Fraction(1, rate)
        for p in stream.encode(frame):
            out.mux(p)
        for p in stream.encode(None):
            out.mux(p)


def _first_click(x: np.ndarray, rate: int) -> float:
    return int(np.argmax(np.abs(x) > 0.3)) / rate


def test_wav_any_rate_is_resampled(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    write_wav(path, _click_track(44_100, 2.0, 1.25), 44_100)
    info = probe(path)
    assert (info.source_rate, info.channels, info.codec) == (44_100, 1, "pcm_s16le")
    y = decode(path, 24_000)
    assert abs(y.size - 48_000) <= 2
    assert y.dtype == np.float32
    assert abs(_first_click(y, 24_000) - 1.25) < 0.001


def test_stereo_is_mixed_down(tmp_path: Path) -> None:
    path = tmp_path / "st.wav"
    left = _click_track(48_000, 1.0, 0.3)
    right = np.zeros_like(left)
    _write_stereo(path, left, right, 48_000)
    assert probe(path).channels == 2
    y = decode(path, 16_000)
    assert y.size == 16_000
    assert abs(_first_click(y, 16_000) - 0.3) < 0.001


def test_aac_in_mp4_keeps_time(tmp_path: Path) -> None:
    path = tmp_path / "a.m4a"
    write_aac_mp4(path, _click_track(48_000, 2.0, 0.7), 48_000, bitrate=48_000)
    assert probe(path).codec == "aac"
    y = decode(path, 24_000)
    assert abs(_first_click(y, 24_000) - 0.7) < 0.003


def test_chunks_stream_in_fixed_sizes(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    write_wav(path, _click_track(8_000, 5.0, 4.5), 8_000)
    report = DecodeReport()
    sizes = [c.size for c in iter_chunks(path, 8_000, chunk_seconds=1.0, report=report)]
    assert sizes[:-1] == [8_000] * (len(sizes) - 1)
    assert sum(sizes) == report.samples == 40_000


def test_codec_roundtrip_is_time_aligned() -> None:
    x = _click_track(48_000, 1.0, 0.5)
    for codec, rate in (("aac", 32_000), ("opus", 16_000), ("amr", 12_200)):
        y = codec_roundtrip(x, 48_000, codec, rate)
        assert y.size == x.size
        assert abs(_first_click(y, 48_000) - 0.5) < 0.002, codec


def test_not_audio_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("not a recording")
    with pytest.raises(AudioError, match="cannot open"):
        probe(bad)

"""The synthetic media that every area's tests, the demo and the benchmarks rely on."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pypdf
import pytest
from PIL import Image

from cadena.media import synth


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_video_is_deterministic_and_seeded(tmp_path: Path) -> None:
    """Same arguments, same bytes, even after other encodes in the same process (x264's AVX
    kernels broke this; see synth._encoder_options)."""

    def make(name: str, seed: int) -> Path:
        return synth.video(tmp_path / name, seconds=1, width=320, height=240, seed=seed)

    a, c = make("a.mp4", 1), make("c.mp4", 2)
    synth.video(tmp_path / "other.mp4", seconds=0.3, width=96, height=64, codec="hevc")
    b = make("b.mp4", 1)
    assert _sha(a) == _sha(b)
    assert _sha(a) != _sha(c)


def test_video_frames_move(tmp_path: Path) -> None:
    path = synth.video(tmp_path / "v.mp4", seconds=1, width=96, height=64, fps=10)
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="gray") for f in container.decode(video=0)]
    assert len(frames) == 10
    pairs = zip(frames[:-1], frames[1:], strict=True)
    diffs = [np.abs(x.astype(int) - y.astype(int)).mean() for x, y in pairs]
    assert min(diffs) > 1.0


def test_video_muxes_given_audio(tmp_path: Path) -> None:
    """A numpy signal goes in as AAC at 48 kHz and comes back out with its energy where it was."""
    rate = synth.AUDIO_RATE
    signal = np.zeros(rate * 2, dtype=np.float32)
    signal[rate : rate + 2400] = 0.8  # a 50 ms burst at t = 1 s
    path = synth.video(tmp_path / "v.mp4", seconds=2, width=64, height=48, audio=signal)
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("aac", rate, 1)
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    envelope = np.abs(decoded)
    peak = int(np.argmax(envelope)) / rate
    assert 0.95 < peak < 1.1  # AAC's priming delay shifts it by a few ms only
    assert envelope[: rate // 2].max() < 0.05


def test_video_without_audio_and_hevc(tmp_path: Path) -> None:
    path = synth.video(tmp_path / "h.mp4", seconds=0.4, width=64, height=64, codec="hevc",
                       with_audio=False)  # fmt: skip
    with av.open(str(path)) as container:
        assert [s.type for s in container.streams] == ["video"]
        assert container.streams.video[0].codec_context.name == "hevc"


def test_bitrate_is_honoured(tmp_path: Path) -> None:
    low = synth.video(tmp_path / "l.mp4", seconds=2, width=320, height=240, bitrate=100_000,
                      with_audio=False)  # fmt: skip
    high = synth.video(tmp_path / "h.mp4", seconds=2, width=320, height=240, bitrate=2_000_000,
                       with_audio=False)  # fmt: skip
    assert high.stat().st_size > 3 * low.stat().st_size


def test_big_video_size(tmp_path: Path) -> None:
    path = synth.big_video(tmp_path / "big.mp4", 2_000_000, seed=4)
    assert 2_000_000 <= path.stat().st_size < 2_600_000
    other = synth.big_video(tmp_path / "big2.mp4", 2_000_000, seed=5)
    assert _sha(path) != _sha(other)


def test_image_is_deterministic_and_seeded(tmp_path: Path) -> None:
    a = synth.image(tmp_path / "a.jpg", 64, 48, seed=3, make="X")
    b = synth.image(tmp_path / "b.jpg", 64, 48, seed=3, make="X")
    c = synth.image(tmp_path / "c.jpg", 64, 48, seed=4, make="X")
    assert _sha(a) == _sha(b) != _sha(c)
    with Image.open(a) as im:
        assert im.size == (64, 48) and im.getexif()[0x010F] == "X"


def test_pdf_text_layer(tmp_path: Path) -> None:
    pages = ["Orden 12 (reservado)\nUso de fuerza letal: autorizado", "Anexo: relación de unidades"]
    path = synth.pdf(tmp_path / "o.pdf", pages, title="Orden", author="Jefatura")
    reader = pypdf.PdfReader(path, strict=True)  # strict: the file is well formed
    texts = [p.extract_text() for p in reader.pages]
    assert "Uso de fuerza letal: autorizado" in texts[0]
    assert "(reservado)" in texts[0]
    assert "relación" in texts[1]
    assert reader.metadata is not None and reader.metadata.title == "Orden"


def test_wav_round_trip(tmp_path: Path) -> None:
    samples = synth.tone(0.25, freq=1000, rate=16000)
    path = synth.wav(tmp_path / "t.wav", samples, rate=16000)
    with av.open(str(path)) as container:
        decoded = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert decoded.size == samples.size
    assert np.allclose(decoded / 32767, samples, atol=1e-3)


@pytest.mark.parametrize("seed", [0, 1])
def test_corrupt_and_truncated(tmp_path: Path, seed: int) -> None:
    original = synth.video(tmp_path / "v.mp4", seconds=0.5, width=64, height=48)
    bad = synth.corrupt(original, tmp_path / "bad.mp4", seed=seed)
    data, damaged = original.read_bytes(), bad.read_bytes()
    assert len(damaged) == len(data) and damaged[:64] == data[:64] and damaged != data
    cut = synth.truncated(original, tmp_path / "cut.mp4", fraction=0.25)
    assert cut.read_bytes() == data[: len(data) // 4]

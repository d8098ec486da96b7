"""Hostile bytes against `sniff` and every metadata reader: zero exceptions allowed.

What it tries (hypothesis, 300 cases in all per run):
- 100 cases of pure random bytes (0-6000 bytes);
- 200 cases of mutated real files (a small MP4 with GPS and rotation, a JPEG with EXIF GPS and XMP,
  a PDF with XMP, a DOCX, a WAV, a HEIC with EXIF, an MP3-framed file): random byte overwrites,
  truncation, inserted or deleted runs, and duplicated chunks, up to 8 mutations per case.
Each case is sniffed, then read by the reader its content selects AND by each of the four readers
(PyAV, Pillow, pypdf, office zip) forced on it, so every reader sees every kind of garbage.
The result must be JSON-serialisable; nothing may raise.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from cadena.media import synth
from cadena.media.metadata import extract
from cadena.media.sniff import Sniffed, sniff, sniff_bytes

FORCED = [
    Sniffed("video/mp4", "video"),
    Sniffed("image/jpeg", "image"),
    Sniffed("application/pdf", "document"),
    Sniffed("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
]


def _seed_files(d: Path) -> list[bytes]:
    mp4 = synth.video(
        d / "v.mp4", seconds=0.2, width=32, height=32, gps=(1.5, 2.5), make="m", rotation=90
    )
    jpg = d / "i.jpg"
    synth.image(jpg, 32, 32, exif_gps=(-1.0, 2.0, 3.0), make="X", taken_at=dt.datetime(2022, 1, 1))
    with_xmp = d / "x.jpg"
    Image.open(jpg).save(with_xmp, "JPEG", exif=Image.open(jpg).getexif(), xmp=b"<x:xmpmeta/>")
    pdf = synth.pdf(d / "p.pdf", ["uno", "dos"], title="T", author="A")
    docx = d / "d.docx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        core = "<c><title>t</title><created>2022-01-01T00:00Z</created></c>"
        z.writestr("docProps/core.xml", core)
        z.writestr("word/document.xml", "<w/>")
    wav = synth.wav(d / "a.wav", synth.tone(0.05))
    heic = synth.image(d / "h.heic", 32, 32, exif_gps=(1.0, 2.0), make="Apple", fmt="HEIF")
    mp3_frames = (b"\xff\xfb\x90\x00" + b"\x00" * 413) * 3
    return [p.read_bytes() for p in (mp4, with_xmp, pdf, docx, wav, heic)] + [mp3_frames]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return _seed_files(tmp_path_factory.mktemp("seeds"))


@st.composite
def mutated(draw: st.DrawFn, originals: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(originals)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["overwrite", "truncate", "insert", "delete", "duplicate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        elif op == "truncate":
            del data[at:]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 256))]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 512))]
    return bytes(data)


def _check(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    found = sniff(path)
    assert found == sniff_bytes(data[:8192], data[-8192:] if len(data) > 8192 else b"")
    for sniffed in [found, *FORCED]:
        result = extract(path, sniffed)
        json.dumps(result.as_dict())


SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(SETTINGS, max_examples=100)
@given(data=st.binary(max_size=6000))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    _check(tmp_path / "random.bin", data)


@settings(SETTINGS, max_examples=200)
@given(data=st.data())
def test_mutated_media_never_raise(tmp_path: Path, seeds: list[bytes], data: st.DataObject) -> None:
    _check(tmp_path / "mutated.bin", data.draw(mutated(seeds)))

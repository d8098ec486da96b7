"""Sniffing the type from content: real files written by PyAV, Pillow, zipfile, tarfile, ..."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from cadena.media import synth
from cadena.media.sniff import Sniffed, sniff, sniff_bytes

_SAMPLE_TYPES = {"flt": (np.float32, 1), "dbl": (np.float64, 1), "s16": (np.int16, 32000)}
_SAMPLE_TYPES["s32"] = (np.int32, 2**30)


def _av_file(path: Path, fmt: str, video: str | None, audio: str | None, rate: int = 48000) -> Path:
    """A fraction of a second of media in the given container, written by FFmpeg through PyAV."""
    out = av.open(str(path), "w", format=fmt)
    vs = out.add_stream(video, rate=25) if video else None
    if vs is not None:
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
    layout = "mono"
    a_s = out.add_stream(audio, rate=rate, layout=layout) if audio else None
    for i in range(10):
        if vs is not None:
            img = np.full((48, 64, 3), i * 20, dtype=np.uint8)
            out.mux(vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
    if vs is not None:
        out.mux(vs.encode(None))
    if a_s is not None:
        fmt_name = a_s.codec_context.codec.audio_formats[0].name
        size = a_s.codec_context.frame_size or 1024
        for i in range(10):
            samples = (np.sin(np.arange(size) * 0.05) * 0.3).astype(np.float32)
            dtype, scale = _SAMPLE_TYPES[fmt_name.rstrip("p")]
            data = (samples * scale).astype(dtype)
            frame = av.AudioFrame.from_ndarray(data[None, :], format=fmt_name, layout=layout)
            frame.sample_rate, frame.pts = rate, i * size
            out.mux(a_s.encode(frame))
        out.mux(a_s.encode(None))
    out.close()
    return path


def _image(fmt: str, **kw: object) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        Image.new("RGB", (32, 24), (200, 30, 40)).save(path, fmt, **kw)
        return path

    return write


def _zip(members: dict[str, bytes], stored_first: str | None = None) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            if stored_first:
                z.writestr(stored_first, members[stored_first], compress_type=zipfile.ZIP_STORED)
            for name, data in members.items():
                if name != stored_first:
                    z.writestr(name, data)
        return path

    return write


def _bytes(data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return write


def _tar(path: Path) -> Path:
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo("witness/statement.txt")
        data = b"I saw it.\n"
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return path


OOXML_TYPES = b'<?xml version="1.0"?><Types xmlns="x"/>'
ODT_MIME = b"application/vnd.oasis.opendocument.text"

CASES: list[tuple[str, Callable[[Path], Path], str, str]] = [
    ("mp4", lambda p: synth.video(p, seconds=0.4, width=64, height=48), "video/mp4", "video"),
    ("mov", lambda p: _av_file(p, "mov", "libx264", "aac"), "video/quicktime", "video"),
    ("3gp", lambda p: _av_file(p, "3gp", "libx264", None), "video/3gpp", "video"),
    ("mkv", lambda p: _av_file(p, "matroska", "libx264", "aac"), "video/x-matroska", "video"),
    ("webm", lambda p: _av_file(p, "webm", "libvpx-vp9", "libopus"), "video/webm", "video"),
    ("avi", lambda p: _av_file(p, "avi", "mpeg4", None), "video/x-msvideo", "video"),
    ("ts", lambda p: _av_file(p, "mpegts", "libx264", "aac"), "video/mp2t", "video"),
    ("mp3", lambda p: _av_file(p, "mp3", None, "libmp3lame", 44100), "audio/mpeg", "audio"),
    ("wav", lambda p: synth.wav(p, synth.tone(0.2)), "audio/wav", "audio"),
    ("opus", lambda p: _av_file(p, "ogg", None, "libopus"), "audio/ogg", "audio"),
    ("flac", lambda p: _av_file(p, "flac", None, "flac"), "audio/flac", "audio"),
    ("aac", lambda p: _av_file(p, "adts", None, "aac"), "audio/aac", "audio"),
    ("m4a", lambda p: _av_file(p, "ipod", None, "aac"), "audio/mp4", "audio"),
    ("amr", lambda p: _av_file(p, "amr", None, "libopencore_amrnb", 8000), "audio/amr", "audio"),
    ("jpg", lambda p: synth.image(p, 64, 48), "image/jpeg", "image"),
    ("png", _image("PNG"), "image/png", "image"),
    ("gif", _image("GIF"), "image/gif", "image"),
    ("webp", _image("WEBP"), "image/webp", "image"),
    ("tif", _image("TIFF"), "image/tiff", "image"),
    ("bmp", _image("BMP"), "image/bmp", "image"),
    ("pdf", lambda p: synth.pdf(p, ["uno"]), "application/pdf", "document"),
    ("zip", _zip({"a.txt": b"hello"}), "application/zip", "archive"),
    (
        "docx",
        _zip({"[Content_Types].xml": OOXML_TYPES, "word/document.xml": b"<w/>"}),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "document",
    ),
    (
        "xlsx",
        _zip({"[Content_Types].xml": OOXML_TYPES, "xl/workbook.xml": b"<x/>"}),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "document",
    ),
    (
        "odt",
        _zip({"mimetype": ODT_MIME, "content.xml": b"<o/>"}, stored_first="mimetype"),
        "application/vnd.oasis.opendocument.text",
        "document",
    ),
    ("gz", _bytes(gzip.compress(b"x" * 100)), "application/gzip", "archive"),
    ("bz2", _bytes(bz2.compress(b"x" * 100)), "application/x-bzip2", "archive"),
    ("xz", _bytes(lzma.compress(b"x" * 100)), "application/x-xz", "archive"),
    ("tar", _tar, "application/x-tar", "archive"),
    ("json", _bytes(json.dumps({"a": [1, "ñ"]}).encode()), "application/json", "text"),
    ("txt", _bytes("Testigo: vi cómo disparó.\n".encode()), "text/plain", "text"),
    ("empty", _bytes(b""), "application/x-empty", "unknown"),
    ("bin", _bytes(bytes(range(256)) * 4), "application/octet-stream", "unknown"),
]


@pytest.mark.parametrize(("name", "write", "media_type", "kind"), CASES, ids=[c[0] for c in CASES])
def test_sniff_real_files(
    tmp_path: Path, name: str, write: Callable[[Path], Path], media_type: str, kind: str
) -> None:
    path = write(tmp_path / f"sample.{name}")
    assert sniff(path) == Sniffed(media_type, kind)


@pytest.mark.parametrize("wrong_name", ["clip.jpg", "clip.txt", "clip", "clip.pdf"])
def test_extension_is_ignored(tmp_path: Path, wrong_name: str) -> None:
    real = synth.video(tmp_path / "real.mp4", seconds=0.2, width=64, height=48, with_audio=False)
    misnamed = tmp_path / wrong_name
    shutil.copy(real, misnamed)
    assert sniff(misnamed) == Sniffed("video/mp4", "video")
    photo = synth.image(tmp_path / "photo.jpg", 32, 32)
    shutil.copy(photo, tmp_path / "photo.mp4")
    assert sniff(tmp_path / "photo.mp4").media_type == "image/jpeg"


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x00\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (_ftyp(b"heic", b"mif1", b"heic"), "image/heic"),
        (_ftyp(b"mif1", b"mif1", b"heic"), "image/heic"),
        (_ftyp(b"mif1", b"mif1"), "image/heif"),
        (_ftyp(b"avif", b"mif1"), "image/avif"),
        (_ftyp(b"qt  ", b"qt  "), "video/quicktime"),
        (_ftyp(b"3gp5", b"3gp5", b"isom"), "video/3gpp"),
        (_ftyp(b"mp42", b"isom", b"mp42"), "video/mp4"),
        (_ftyp(b"M4A ", b"M4A ", b"mp42"), "audio/mp4"),
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "video/quicktime"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 24, "application/x-7z-compressed"),
        (b"#!AMR-WB\n" + b"\x00" * 20, "audio/amr-wb"),
        (b'\xef\xbb\xbf{"a": 1}', "application/json"),
        (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        (b"<!DOCTYPE html><html></html>", "text/html"),
        (b"garbage before %PDF-1.4\n", "application/pdf"),
        (b"\xff\xfb\x90\x00", "audio/mpeg"),  # one MP3 frame header and nothing after it
        (b"\xff\xfb\x90\x00" + b"\x00" * 500, "application/octet-stream"),  # no second frame
        (b"\xff\xff\xff\xff\xff\xff", "application/octet-stream"),
        (b"BM" + b"\x00" * 30, "application/octet-stream"),  # "BM" without a DIB header
        (b"\x00", "application/octet-stream"),
        (b"FORM\x00\x00\x01\x1aAIFFCOMM", "audio/aiff"),
        (b"8BPS\x00\x01\x00\x00", "image/vnd.adobe.photoshop"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14", "image/jp2"),
        (b"{\\rtf1\\ansi Orden", "application/rtf"),
        (
            b'<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html>\n<p>Se\xf1or</p>',
            "text/html",
        ),  # fmt: skip
        ("Declaración del testigo: vi cómo disparó.\r\n".encode("cp1252"), "text/plain"),
        (bytes(range(1, 256)) * 4, "application/octet-stream"),  # no NUL, but binary
    ],
)
def test_sniff_bytes_signatures(head: bytes, media_type: str) -> None:
    assert sniff_bytes(head).media_type == media_type


def test_sniff_reads_only_the_head(tmp_path: Path) -> None:
    """A 50 MB text file is typed from its first bytes; binary junk after the window is unseen."""
    path = tmp_path / "big.txt"
    with open(path, "wb") as f:
        f.write(b"line of testimony\n" * 1000)
        f.write(b"\x00\xff" * 25_000_000)
    assert sniff(path) == Sniffed("text/plain", "text")


def test_sniff_unreadable_path_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        sniff(tmp_path / "missing.mp4")

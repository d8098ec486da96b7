"""Type of a file from its content, never from its name.

`sniff(path)` reads at most `HEAD_BYTES` from the start and, for zip files only, `TAIL_BYTES`
from the end (the central directory names the members that tell a .docx from a plain zip).
It returns a `Sniffed(media_type, kind)`:

- `media_type`: an IANA media type (or a common `x-` one), `application/octet-stream` when the
  content matches nothing known, `application/x-empty` for an empty file;
- `kind`: one of `KINDS` ("video", "audio", "image", "document", "archive", "text", "unknown").

Signatures are matched from most to least specific; weak ones (MP3 frame sync, ADTS, BMP, MPEG-TS)
are confirmed by a second structure so that random bytes rarely pass for media. Whatever the bytes,
`sniff_bytes` never raises; `sniff` raises `OSError` only when the file itself cannot be read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 8192
TAIL_BYTES = 8192
KINDS = ("video", "audio", "image", "document", "archive", "text", "unknown")

OCTET = "application/octet-stream"
EMPTY = "application/x-empty"


@dataclass(frozen=True)
class Sniffed:
    """What a file's content says it is."""

    media_type: str
    kind: str


def sniff(path: str | os.PathLike[str]) -> Sniffed:
    """Sniff the file at `path` from its first few KB (and last few KB for zips)."""
    with open(Path(path), "rb") as f:
        head = f.read(HEAD_BYTES)
        tail = b""
        if head.startswith(b"PK"):
            size = os.fstat(f.fileno()).st_size
            if size > HEAD_BYTES:
                f.seek(max(0, size - TAIL_BYTES))
                tail = f.read(TAIL_BYTES)
    return sniff_bytes(head, tail)


def sniff_bytes(head: bytes, tail: bytes = b"") -> Sniffed:
    """Sniff from the first bytes of a file (and, for zips, its last bytes). Never raises."""
    if not head:
        return Sniffed(EMPTY, "unknown")
    try:
        found = _match(head, tail)
    except Exception:  # a signature check tripping on odd bytes must not cost the ingest
        found = None
    return found or Sniffed(OCTET, "unknown")


def _match(head: bytes, tail: bytes) -> Sniffed | None:
    zipped = _zip(head, tail)
    if zipped:
        return zipped
    for check in (_tar, _iso_bmff, _riff, _iff, _exact_magic, _mpeg_ts, _audio_frames, _text):
        found = check(head)
        if found:
            return found
    return None


# Fixed signatures at offset 0: (magic, media_type, kind). Order matters where one prefixes another.
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "image"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
    (b"GIF87a", "image/gif", "image"),
    (b"GIF89a", "image/gif", "image"),
    (b"II*\x00", "image/tiff", "image"),
    (b"MM\x00*", "image/tiff", "image"),
    (b"fLaC", "audio/flac", "audio"),
    (b"#!AMR-WB\n", "audio/amr-wb", "audio"),
    (b"#!AMR\n", "audio/amr", "audio"),
    (b"ID3", "audio/mpeg", "audio"),
    (b"caff", "audio/x-caf", "audio"),
    (b"FLV\x01", "video/x-flv", "video"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video/x-ms-asf", "video"),
    (b"\x00\x00\x01\xba", "video/mpeg", "video"),
    (b"\x1f\x8b", "application/gzip", "archive"),
    (b"\xfd7zXZ\x00", "application/x-xz", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed", "archive"),
    (b"\x28\xb5\x2f\xfd", "application/zstd", "archive"),
    (b"Rar!\x1a\x07", "application/vnd.rar", "archive"),
    (b"8BPS", "image/vnd.adobe.photoshop", "image"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2", "image"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "image/jxl", "image"),
    (b"FUJIFILMCCD-RAW", "image/x-fujifilm-raf", "image"),
    (b"II\x1a\x00\x00\x00HEAPCCDR", "image/x-canon-crw", "image"),
    (b"IIU\x00", "image/x-panasonic-rw2", "image"),
    (b"IIRO", "image/x-olympus-orf", "image"),
    (b"IIRS", "image/x-olympus-orf", "image"),
    (b"MMOR", "image/x-olympus-orf", "image"),
    (b"\x06\x0e\x2b\x34\x02\x05\x01\x01\x0d\x01\x02", "application/mxf", "video"),
    (b"{\\rtf", "application/rtf", "document"),
    (b"%!PS", "application/postscript", "document"),
    (b"\xef\xbb\xbf", "text/plain", "text"),
    (b"\xff\xfe", "text/plain", "text"),
    (b"\xfe\xff", "text/plain", "text"),
)


_DIB_SIZES = (12, 40, 52, 56, 64, 108, 124)


def _exact_magic(head: bytes) -> Sniffed | None:
    for magic, media_type, kind in _MAGIC:
        if head.startswith(magic):
            if magic == b"\xef\xbb\xbf":  # UTF-8 BOM: let the text check say JSON/XML/plain
                return _text(head[3:]) or Sniffed(media_type, kind)
            return Sniffed(media_type, kind)
    if head[:3] == b"BZh" and head[3:4] in b"123456789" and len(head) > 3:
        return Sniffed("application/x-bzip2", "archive")
    # BMP: the DIB header size (offset 14) is one of a handful of values in every real file
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _DIB_SIZES:
        return Sniffed("image/bmp", "image")
    if head[:4] == b"OggS":
        return _ogg(head)
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML: Matroska or WebM, by DocType
        return Sniffed("video/webm" if b"webm" in head[:64] else "video/x-matroska", "video")
    if b"%PDF-" in head[:1024]:  # readers accept junk before the header, so must we
        return Sniffed("application/pdf", "document")
    return None


def _ogg(head: bytes) -> Sniffed:
    first_page = head[:512]
    if b"\x80theora" in first_page:
        return Sniffed("video/ogg", "video")
    if b"OpusHead" in first_page:
        return Sniffed("audio/ogg", "audio")  # Opus in Ogg; the codec is in the metadata
    return Sniffed("audio/ogg", "audio")


def _riff(head: bytes) -> Sniffed | None:
    if head[:4] not in (b"RIFF", b"RF64", b"BW64") or len(head) < 12:
        return None
    form = head[8:12]
    if form == b"WAVE":
        return Sniffed("audio/wav", "audio")
    if form == b"AVI ":
        return Sniffed("video/x-msvideo", "video")
    if form == b"WEBP":
        return Sniffed("image/webp", "image")
    return None


def _iff(head: bytes) -> Sniffed | None:
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return Sniffed("audio/aiff", "audio")
    return None


_BMFF_TOP = (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"styp", b"sidx", b"moof")


def _iso_bmff(head: bytes) -> Sniffed | None:
    """MP4, MOV, 3GP, M4A, HEIC/AVIF: the ftyp box's major and compatible brands."""
    if len(head) < 12:
        return None
    box = head[4:8]
    if box != b"ftyp":
        size = int.from_bytes(head[:4], "big")  # 0: to end of file, 1: 64-bit size follows
        if box in _BMFF_TOP and (size in (0, 1) or size >= 8):
            fragmented = box in (b"styp", b"sidx", b"moof")
            return Sniffed("video/mp4" if fragmented else "video/quicktime", "video")
        return None
    size = int.from_bytes(head[:4], "big")
    end = min(max(size, 16), len(head), 256)
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, end - 3, 4)]
    return _by_brand(brands)


_IMAGE_BRANDS = {
    b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic", b"heis": "image/heic",
    b"hevc": "image/heic-sequence", b"hevx": "image/heic-sequence",
    b"avif": "image/avif", b"avis": "image/avif",
}  # fmt: skip


def _by_brand(brands: list[bytes]) -> Sniffed:
    major = brands[0]
    if major in _IMAGE_BRANDS:
        return Sniffed(_IMAGE_BRANDS[major], "image")
    if major in (b"mif1", b"msf1"):
        for brand in brands[1:]:
            if brand in _IMAGE_BRANDS:
                return Sniffed(_IMAGE_BRANDS[brand], "image")
        return Sniffed("image/heif", "image")
    if major in (b"M4A ", b"M4B ", b"M4P "):
        return Sniffed("audio/mp4", "audio")
    if major == b"qt  ":
        return Sniffed("video/quicktime", "video")
    if major.startswith(b"3g2"):
        return Sniffed("video/3gpp2", "video")
    if major.startswith(b"3g"):
        return Sniffed("video/3gpp", "video")
    if major == b"crx ":
        return Sniffed("image/x-canon-cr3", "image")
    return Sniffed("video/mp4", "video")


def _zip(head: bytes, tail: bytes) -> Sniffed | None:
    if head[:4] not in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return None
    # ODF and EPUB store an uncompressed "mimetype" member first, so its content is at offset 38
    if head[30:38] == b"mimetype":
        declared = head[38:120].split(b"PK", 1)[0].decode("ascii", "replace").strip()
        if declared.startswith("application/"):
            kind = "document" if "opendocument" in declared or "epub" in declared else "archive"
            return Sniffed(declared, kind)
    names = head + tail  # local headers near the start, the central directory at the end
    if b"[Content_Types].xml" in names:
        for marker, media_type in _OOXML:
            if marker in names:
                return Sniffed(media_type, "document")
    return Sniffed("application/zip", "archive")


_OOXML = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
)


def _tar(head: bytes) -> Sniffed | None:
    if head[257:262] == b"ustar":
        return Sniffed("application/x-tar", "archive")
    return None


def _mpeg_ts(head: bytes) -> Sniffed | None:
    """Transport streams: a sync byte every 188 bytes (192 for Blu-ray/AVCHD .m2ts)."""
    for packet, first in ((188, 0), (192, 4)):
        offsets = range(first, min(len(head), first + packet * 5), packet)
        if len(offsets) >= 3 and all(head[o] == 0x47 for o in offsets):
            return Sniffed("video/mp2t", "video")
    return None


def _audio_frames(head: bytes) -> Sniffed | None:
    """Headerless MP3 and AAC ADTS, confirmed by a second frame header where it fits."""
    if len(head) < 4 or head[0] != 0xFF:
        return None
    if head[1] & 0xF6 == 0xF0:  # ADTS: sync 0xFFF, layer 00
        length = ((head[3] & 0x03) << 11) | (head[4] << 3) | (head[5] >> 5) if len(head) > 5 else 0
        if length >= 7 and _confirmed(head, length, lambda b: b[0] == 0xFF and b[1] & 0xF6 == 0xF0):
            return Sniffed("audio/aac", "audio")
        return None
    length = _mp3_frame_length(head)
    if length and _confirmed(head, length, lambda b: _mp3_frame_length(b) > 0):
        return Sniffed("audio/mpeg", "audio")
    return None


def _confirmed(head: bytes, length: int, is_frame: Callable[[bytes], bool]) -> bool:
    nxt = head[length : length + 8]
    if len(nxt) < 4:  # the next frame lies past what we read: a single header must do
        return len(head) <= length
    return is_frame(nxt)


_MP3_BITRATES = {  # kbit/s by (version is MPEG-1, layer) for indices 1..14
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (False, 3): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 2): (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_length(b: bytes) -> int:
    """Length in bytes of the MPEG audio frame whose header starts `b`, 0 if not a header."""
    if len(b) < 4 or b[0] != 0xFF or b[1] & 0xE0 != 0xE0:
        return 0
    version, layer_bits = (b[1] >> 3) & 3, (b[1] >> 1) & 3
    bitrate_index, rate_index, padding = b[2] >> 4, (b[2] >> 2) & 3, (b[2] >> 1) & 1
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return 0
    layer = 4 - layer_bits  # 1, 2 or 3
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES[(mpeg1, layer)][bitrate_index - 1] * 1000
    rate = _MP3_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if (layer == 2 or mpeg1) else 72
    return per_frame * bitrate // rate + padding


def _text(head: bytes) -> Sniffed | None:
    """UTF-8 (or, failing that, Windows-1252, as Spanish Windows Notepad saves) without control
    characters beyond whitespace: text, JSON, XML or HTML."""
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte character cut by the end of the window is still text
        if e.start >= len(head) - 3 and e.reason == "unexpected end of data":
            text = head[: e.start].decode("utf-8")
        else:
            return _legacy_text(head)
    if _controls(text) > max(1, len(text) // 100):
        return None
    return _text_flavour(text.lstrip(), complete=len(head) < HEAD_BYTES)


def _legacy_text(head: bytes) -> Sniffed | None:
    # Spanish or Portuguese prose is mostly ASCII with a few accented letters in between
    ascii_share = sum(1 for b in head if 32 <= b < 127 or b in b"\t\n\r") / len(head)
    text = head.decode("cp1252", "replace")
    if ascii_share < 0.8 or text.count("\ufffd") > len(text) // 200:
        return None
    return _text_flavour(text.lstrip(), complete=False)


def _controls(text: str) -> int:
    return sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b")


def _text_flavour(text: str, complete: bool) -> Sniffed:
    low = text[:1024].lower()
    if low.startswith(("<!doctype html", "<html")) or (
        low.startswith("<?xml") and ("<!doctype html" in low or "<html" in low)
    ):
        return Sniffed("text/html", "text")
    if text[:1] in "{[":
        if complete:
            try:
                json.loads(text)
                return Sniffed("application/json", "text")
            except ValueError:
                pass
        elif '"' in text[:256]:
            return Sniffed("application/json", "text")
    if low.startswith("<?xml") or low.startswith("<svg"):
        if "<svg" in low:
            return Sniffed("image/svg+xml", "image")
        return Sniffed("application/xml", "text")
    return Sniffed("text/plain", "text")

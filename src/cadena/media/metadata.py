"""Metadata of an item: the values as read (`raw`) and a stable, normalised view (`normalized`).

`extract(path, sniffed)` opens the file once and reads headers only (no video frame is decoded;
about 250 KB of a video of any size). It never raises on content: whatever could not be read is
listed in `problems`, in plain words (library warnings about damage included). `extractor` and
`extractor_version` name the library that read the file ("pyav" 18.1.0, "pillow" 13.0.0,
"pillow+pillow-heif", "pypdf"; "cadena.media.metadata" for types read without a library).

Normalised keys (absent when unknown; all JSON values):

common      media_type, kind, size_bytes
video/audio container (mp4, mov, 3gp, matroska, webm, avi, mpegts, mp3, wav, ogg, flac, aac, ...),
            duration_s, bit_rate, width, height, frame_rate, rotation_deg (clockwise degrees a
            player turns the picture, 0/90/180/270, as phones record portrait video; ffprobe
            prints the same turn as a negative "displaymatrix" rotation), mirrored (only if
            true), video_codec, video_profile, pixel_format, audio_codec, sample_rate, channels,
            streams {video: n, audio: n, ...}
time        created_at (ISO 8601 UTC, `Z`; only when the zone is known), created_at_local (as the
            device wrote it, with its offset when there is one), created_at_source (tag used).
            Zeroed container times (1904/1970-01-01) count as absent.
place       gps {lat, lon, alt?, accuracy_m?, direction_deg?, direction_ref?} in decimal degrees
            WGS 84 (alt and accuracy in metres; direction: the way the camera faced, EXIF
            GPSImgDirection, ref "T" true or "M" magnetic north), gps_source (tag used);
            a 0,0 position is dropped with gps_note saying so
motion      capture_fps (slow-motion recording rate from com.android.capture.fps /
            com.apple.quicktime.fps; frame_rate is then the playback rate)
device      device_make, device_model, software, encoder (video: the `encoder` tag)
images      width, height, image_format, orientation (EXIF 1-8), gps_time (UTC from the GPS IFD),
            lens_model, xmp {creator_tool, create_date, modify_date, document_id, instance_id,
            original_document_id, history (software agents that saved it), title, creator, ...}
PDF         pages, pdf_version, pdf_producer, pdf_creator, title, author, subject, keywords,
            created_at / modified_at (or *_local when the date has no zone), encrypted,
            revisions (count of %%EOF markers: more than one means incremental updates after
            the first save), xmp {...}
office      (OOXML/ODF) title, author, last_modified_by, created_at, modified_at, application,
            company, pages
hints       reencode_hint: list of plain-language reasons the file may not be a camera original
            (FFmpeg/editor encoder tags, zeroed creation time, no device tags, stripped EXIF, ...).
            A hint, never a finding: originals can lack tags and copies can keep them.

`raw` keeps what each library returned, converted only to be JSON-safe: bytes become printable
ASCII with `\\xNN` escapes (long binary values cut at 4 KB, marked), rationals become "n/d"
strings, NUL characters are escaped (PostgreSQL's JSONB refuses them). Video: raw["format"]
(FFmpeg's container fields and tags), raw["streams"], raw["mp4_top_level_boxes"],
raw["mp4_tracks"] (handler and display matrix per track), raw["xmp"] (from a top-level uuid
box or moov/udta/XMP_, as Adobe tools write it); images: raw["image"], raw["exif"]
by IFD, raw["xmp"]; PDF: raw["info"], raw["xmp"]; office: raw["document_parts"].

Warnings are captured with `warnings.catch_warnings`, which is not thread-safe: run extractions
in processes (or one thread) when running them in parallel.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

import av
import defusedxml.ElementTree as SafeET
import PIL
import pypdf
from PIL import ExifTags, Image

from cadena.media.sniff import Sniffed

try:  # HEIC/HEIF (iPhone photos) through libheif; without it they are recorded as unreadable
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_VERSION: str | None = pillow_heif.__version__
except ImportError:  # pragma: no cover - pillow-heif is a dependency; this keeps imports safe
    HEIF_VERSION = None

METADATA_VERSION = "1"
BINARY_CAP = 4096
XMP_CAP = 256 * 1024
MOOV_CAP = 64 * 1024 * 1024  # a moov box larger than this is not read for rotation


@dataclass
class Extracted:
    """What `extract` could read, and what it could not."""

    raw: dict[str, Any] = field(default_factory=dict)
    normalized: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    extractor: str = "cadena.media.metadata"
    extractor_version: str = METADATA_VERSION

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract(path: str | os.PathLike[str], sniffed: Sniffed) -> Extracted:
    """Read the metadata of the file at `path`, whose content `sniff` typed as `sniffed`."""
    result = Extracted()
    result.normalized.update(media_type=sniffed.media_type, kind=sniffed.kind)
    try:
        f = open(Path(path), "rb")  # noqa: SIM115 - closed by the `with` below
    except OSError as e:
        result.problems.append(f"file could not be opened: {e.strerror or e}")
        return result
    with f:
        size = os.fstat(f.fileno()).st_size
        result.normalized["size_bytes"] = size
        if size == 0:
            result.problems.append("empty file: no content to read")
            return result
        reader = _reader_for(sniffed)
        if reader:
            with _library_warnings(result.problems):
                reader(f, sniffed, result)
    return result


@contextmanager
def _library_warnings(problems: list[str]) -> Iterator[None]:
    """Pillow and pypdf warn about damage (Python warnings, logging); keep it as problems."""

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            _add_problem(problems, f"pypdf: {record.getMessage()}")

    logger = logging.getLogger("pypdf")
    handler, propagate = Collect(level=logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for w in caught:
            _add_problem(problems, f"{w.category.__name__}: {w.message}")
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _add_problem(problems: list[str], message: str) -> None:
    message = message.strip()[:300]
    if message not in problems and len(problems) < 50:
        problems.append(message)


def _reader_for(sniffed: Sniffed) -> Callable[[IO[bytes], Sniffed, Extracted], None] | None:
    if sniffed.kind in ("video", "audio"):
        return _read_av
    if sniffed.kind == "image" and sniffed.media_type != "image/svg+xml":
        return _read_image
    if sniffed.media_type == "application/pdf":
        return _read_pdf
    if sniffed.media_type.startswith(_OFFICE_TYPES):
        return _read_office
    return None


# --- JSON-safe raw values ---------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """Convert a library's value to JSON without losing what it says."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return _escape_bytes(bytes(value))
    if isinstance(value, Fraction) or _is_rational(value):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, dict):
        return {_clean_str(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return _clean_str(str(value))


def _is_rational(value: Any) -> bool:
    return hasattr(value, "numerator") and hasattr(value, "denominator")


def _clean_str(text: str) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates
    return text.replace("\x00", "\\x00")


def _escape_bytes(data: bytes) -> str:
    cut = data[:BINARY_CAP]
    text = "".join(chr(b) if 32 <= b < 127 and b != 92 else f"\\x{b:02x}" for b in cut)
    if len(data) > BINARY_CAP:
        text += f"...[{len(data)} bytes, cut at {BINARY_CAP}]"
    return text


# --- times and places -------------------------------------------------------------------------

_ISO_RE = re.compile(
    r"^(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_time(text: str) -> tuple[dt.datetime | None, str | None]:
    """Parse ISO 8601 or EXIF-style time. Returns (UTC datetime if the zone is known, local text).

    Zeroed container times (1904-01-01, 1970-01-01) count as absent.
    """
    m = _ISO_RE.match(text.strip())
    if not m:
        return None, None
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    micro = int((m.group(7) or "0")[:6].ljust(6, "0"))
    try:
        naive = dt.datetime(year, month, day, hour, minute, min(second, 59), micro)
    except ValueError:
        return None, None
    if naive.year in (1904, 1970) and naive.month == 1 and naive.day == 1:
        return None, None
    zone = _zone(m.group(8))
    if zone is None:
        return None, naive.isoformat()
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(dt.UTC), aware.isoformat()


def _zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.UTC
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    if minutes > 18 * 60:
        return None
    return dt.timezone(dt.timedelta(minutes=minutes if text[0] == "+" else -minutes))


def utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{when.microsecond:06d}Z" if when.microsecond else "Z"
    )


def _set_time(norm: dict[str, Any], text: Any, source: str) -> bool:
    """Store a creation time in `norm` if `text` parses; True when it did."""
    if not isinstance(text, str):
        return False
    utc, local = parse_time(text)
    if local is None:
        return False
    norm["created_at_local"] = local
    norm["created_at_source"] = source
    if utc is not None:
        norm["created_at"] = utc_text(utc)
    return True


_ISO6709_RE = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def parse_iso6709(text: str) -> dict[str, float] | None:
    """`+12.3456-076.5432+010.000/` (also ±DDMM.MM and ±DDMMSS.SS forms) to {lat, lon, alt?}."""
    m = _ISO6709_RE.match(text.strip())
    if not m:
        return None
    lat = _iso6709_angle(m.group(1), 2)
    lon = _iso6709_angle(m.group(2), 3)
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    point = {"lat": round(lat, 7), "lon": round(lon, 7)}
    if m.group(3):
        point["alt"] = float(m.group(3))
    return point


def _iso6709_angle(text: str, degree_digits: int) -> float | None:
    sign = -1.0 if text[0] == "-" else 1.0
    whole, _, frac = text[1:].partition(".")
    fraction = float("0." + frac) if frac else 0.0
    n = len(whole)
    if n == degree_digits:
        value = int(whole) + fraction
    elif n == degree_digits + 2:  # DDMM.MM
        value = int(whole[:degree_digits]) + (int(whole[degree_digits:]) + fraction) / 60
    elif n == degree_digits + 4:  # DDMMSS.SS
        d, rest = int(whole[:degree_digits]), whole[degree_digits:]
        value = d + int(rest[:2]) / 60 + (int(rest[2:]) + fraction) / 3600
    else:
        return None
    return sign * value


# --- video and audio (PyAV) -------------------------------------------------------------------

_CONTAINERS = {
    "video/mp4": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/3gpp2": "3g2",
    "video/x-matroska": "matroska", "video/webm": "webm", "video/x-msvideo": "avi",
    "video/mp2t": "mpegts", "video/mpeg": "mpeg-ps", "video/x-flv": "flv",
    "video/x-ms-asf": "asf", "video/ogg": "ogg", "audio/mpeg": "mp3", "audio/wav": "wav",
    "audio/ogg": "ogg", "audio/flac": "flac", "audio/aac": "aac", "audio/mp4": "m4a",
    "audio/amr": "amr", "audio/amr-wb": "amr", "audio/x-caf": "caf",
}  # fmt: skip
_BMFF = {"video/mp4", "video/quicktime", "video/3gpp", "video/3gpp2", "audio/mp4"}


def _read_av(f: IO[bytes], sniffed: Sniffed, result: Extracted) -> None:
    result.extractor, result.extractor_version = "pyav", av.__version__
    result.raw["ffmpeg"] = jsonable(av.ffmpeg_version_info)
    norm = result.normalized
    norm["container"] = _CONTAINERS.get(sniffed.media_type, sniffed.media_type.split("/")[-1])
    try:
        f.seek(0)  # another reader may have moved it (the HEIF fallback)
        container = av.open(f, metadata_errors="backslashreplace")
    except Exception as e:  # FFmpeg's errors, plus anything its Python glue trips on
        result.problems.append(f"container not readable by FFmpeg: {_why(e)}")
        container = None
    if container is not None:
        with container:
            _read_container(container, result)
    if sniffed.media_type in _BMFF:
        _read_bmff_boxes(f, result)
    _normalize_tags(result)
    if sniffed.kind == "video":
        _video_hints(result, sniffed)


def _why(e: BaseException) -> str:
    strerror = getattr(e, "strerror", None)  # FFmpeg's message without its errno and file name
    text = (strerror if isinstance(strerror, str) else str(e)).strip() or type(e).__name__
    return text[:300]


def _read_container(container: Any, result: Extracted) -> None:
    raw, norm = result.raw, result.normalized
    fmt = {
        "name": container.format.name,
        "long_name": container.format.long_name,
        "duration_us": container.duration,
        "start_time_us": container.start_time,
        "bit_rate": container.bit_rate,
        "tags": jsonable(dict(container.metadata)),
    }
    raw["format"] = fmt
    if container.duration is not None and container.duration > 0:
        norm["duration_s"] = round(container.duration / 1_000_000, 3)
    if container.bit_rate:
        norm["bit_rate"] = container.bit_rate
    raw["streams"] = [_stream_info(s, result.problems) for s in container.streams]
    counts: dict[str, int] = {}
    for s in raw["streams"]:
        counts[s["type"]] = counts.get(s["type"], 0) + 1
    norm["streams"] = counts
    if not counts.get("video") and not counts.get("audio"):
        result.problems.append("no video or audio stream found")
    _normalize_streams(raw["streams"], norm)
    if "duration_s" not in norm:
        _duration_from_streams(raw["streams"], norm, result.problems)


def _stream_info(stream: Any, problems: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "index": stream.index,
        "type": stream.type,
        "time_base": jsonable(stream.time_base),
        "start_time": stream.start_time,
        "duration": stream.duration,
        "frames": stream.frames,
        "language": stream.language,
        "disposition": int(stream.disposition),
        "tags": jsonable(dict(stream.metadata)),
    }
    try:
        cc = stream.codec_context
    except Exception as e:  # a stream whose codec FFmpeg does not know
        problems.append(f"stream {stream.index}: codec not readable: {_why(e)}")
        return info
    if cc is None:
        return info
    # the codec's canonical name ("mp3"), as ffprobe shows it, not the decoder's ("mp3float")
    info.update(codec=cc.codec.canonical_name, decoder=cc.name, profile=stream.profile)
    info["codec_long_name"] = cc.codec.long_name
    info["bit_rate"] = cc.bit_rate
    if stream.type == "video":
        info.update(width=cc.width, height=cc.height, pixel_format=cc.pix_fmt)
        for rate in ("average_rate", "guessed_rate", "base_rate"):
            info[rate] = jsonable(getattr(stream, rate))
        info["sample_aspect_ratio"] = jsonable(stream.sample_aspect_ratio)
    elif stream.type == "audio":
        info.update(sample_rate=cc.sample_rate, channels=cc.channels)
        # unknown on streams FFmpeg could not probe fully
        layout, sample_format = getattr(cc, "layout", None), getattr(cc, "format", None)
        info["channel_layout"] = getattr(layout, "name", None)
        info["sample_format"] = getattr(sample_format, "name", None)
    return info


def _normalize_streams(streams: list[dict[str, Any]], norm: dict[str, Any]) -> None:
    video = _first(streams, "video")
    if video:
        norm["video_codec"] = video.get("codec")
        for key in ("width", "height"):
            if video.get(key):
                norm[key] = video[key]
        if video.get("profile"):
            norm["video_profile"] = video["profile"]
        if video.get("pixel_format"):
            norm["pixel_format"] = video["pixel_format"]
        rate = _as_float(video.get("average_rate")) or _as_float(video.get("guessed_rate"))
        if rate:
            norm["frame_rate"] = round(rate, 3)
        rotate = video["tags"].get("rotate")  # files written by FFmpeg before 2022
        if rotate and re.fullmatch(r"-?\d+", str(rotate)):
            norm["rotation_deg"] = int(rotate) % 360
    audio = _first(streams, "audio")
    if audio:
        norm["audio_codec"] = audio.get("codec")
        if audio.get("sample_rate"):
            norm["sample_rate"] = audio["sample_rate"]
        if audio.get("channels"):
            norm["channels"] = audio["channels"]


_DEFAULT, _ATTACHED_PIC = 0x1, 0x400  # AV_DISPOSITION_*


def _first(streams: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    # cover art in MP3/M4A/Opus files is a "video" stream of one picture: not the content
    candidates = [s for s in streams if s["type"] == kind and not s["disposition"] & _ATTACHED_PIC]
    default = [s for s in candidates if s["disposition"] & _DEFAULT]
    chosen = default or candidates
    return chosen[0] if chosen else None


def _as_float(value: Any) -> float | None:
    if isinstance(value, str) and "/" in value:
        num, den = value.split("/", 1)
        return float(num) / float(den) if float(den) else None
    return float(value) if isinstance(value, int | float) and value else None


def _duration_from_streams(
    streams: list[dict[str, Any]], norm: dict[str, Any], problems: list[str]
) -> None:
    best = 0.0
    for s in streams:
        base = _as_float(s.get("time_base"))
        if s.get("duration") and base:
            best = max(best, s["duration"] * base)
    if best:
        norm["duration_s"] = round(best, 3)
    else:
        problems.append("duration unknown")


# Tags by priority for each normalised field; container tags first, then the video stream's.
_TIME_TAGS = (
    "com.apple.quicktime.creationdate",
    "creation_time",
    "DATE_RECORDED",  # Matroska
    "date",
    "DATE",
)
_GPS_TAGS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")
_MAKE_TAGS = ("com.apple.quicktime.make", "com.android.manufacturer", "make", "manufacturer")
_MODEL_TAGS = ("com.apple.quicktime.model", "com.android.model", "model")
_SOFTWARE_TAGS = ("com.apple.quicktime.software", "com.android.version", "software")


def _all_tags(raw: dict[str, Any]) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    for stream in reversed(raw.get("streams", [])):
        tags.update(stream.get("tags", {}))
    tags.update(raw.get("format", {}).get("tags", {}))
    return tags


def _normalize_tags(result: Extracted) -> None:
    tags, norm = _all_tags(result.raw), result.normalized
    for key in _TIME_TAGS:
        if _set_time(norm, tags.get(key), key):
            break
    if "created_at_local" not in norm and tags.get("origination_date"):  # Broadcast WAV
        stamp = f"{tags['origination_date']} {tags.get('origination_time', '00:00:00')}"
        _set_time(norm, stamp, "origination_date")
    for key in _GPS_TAGS:
        point = parse_iso6709(str(tags.get(key, "")))
        if point:
            accuracy = _number(tags.get("com.apple.quicktime.location.accuracy.horizontal"))
            if accuracy is not None:
                point["accuracy_m"] = accuracy
            norm["gps"], norm["gps_source"] = point, key
            break
    _drop_null_island(norm)
    # slow motion: recorded at this rate, usually played back slower (Android and iOS tags)
    capture = _number(tags.get("com.android.capture.fps") or tags.get("com.apple.quicktime.fps"))
    if capture:
        norm["capture_fps"] = round(capture, 3)
    for out, keys in (
        ("device_make", _MAKE_TAGS),
        ("device_model", _MODEL_TAGS),
        ("software", _SOFTWARE_TAGS),
    ):
        found = next((str(tags[k]).strip() for k in keys if str(tags.get(k, "")).strip()), None)
        if found:
            norm[out] = found
    encoder = tags.get("encoder") or tags.get("encoded_by")
    if encoder:
        norm["encoder"] = str(encoder)


def _drop_null_island(norm: dict[str, Any]) -> None:
    """0,0 is what devices write without a fix: not a place (the raw value stays in `raw`)."""
    gps = norm.get("gps")
    if gps and gps["lat"] == 0 and gps["lon"] == 0:
        del norm["gps"], norm["gps_source"]
        norm["gps_note"] = "position 0,0 recorded: the device had no fix"


_FFMPEG_HANDLERS = {"VideoHandler", "SoundHandler"}
_EDITORS = re.compile(
    r"HandBrake|Adobe|Premiere|After Effects|iMovie|Final Cut|CapCut|InShot|KineMaster|"
    r"DaVinci|Shotcut|OpenShot|VSCO|Photoshop|GIMP|Lightroom|Snapseed|Pixelmator|Movavi",
    re.IGNORECASE,
)


def _video_hints(result: Extracted, sniffed: Sniffed) -> None:
    norm, tags = result.normalized, _all_tags(result.raw)
    hints = []
    encoder = norm.get("encoder", "")
    handlers = {s.get("tags", {}).get("handler_name") for s in result.raw.get("streams", [])}
    if encoder.startswith("Lav") or encoder.lower().startswith("lavf"):
        hints.append(
            f"encoder tag {encoder!r} names FFmpeg: the file was written by FFmpeg-based software "
            "(platform transcoders, converters, editors), not directly by a phone camera"
        )
    elif handlers & _FFMPEG_HANDLERS:
        hints.append("stream handler names are FFmpeg's defaults: written by FFmpeg-based software")
    xmp = norm.get("xmp", {})
    tools = [str(v) for v in tags.values()] + [xmp.get("creator_tool", "")] + xmp.get("history", [])
    editor = next((t for t in tools if _EDITORS.search(t)), None)
    if editor:
        hints.append(f"a tag names editing or conversion software: {editor[:100]}")
    if "created_at_local" not in norm:
        hints.append(
            "no creation time (or a zeroed one): usual after re-encoding by messaging platforms "
            "such as WhatsApp or Telegram, or by social media"
        )
    if sniffed.media_type in _BMFF and not any(
        k in norm for k in ("device_make", "device_model", "gps")
    ):
        hints.append("no device tags (make, model, location) that phone cameras usually write")
    if hints:
        norm["reencode_hint"] = hints


# --- ISO base media boxes (MP4/MOV/3GP): the track matrix carries the rotation ----------------


def _box_headers(f: IO[bytes], start: int, end: int) -> Iterator[tuple[bytes, int, int, int]]:
    """Yield (type, offset, size, header_size) of the boxes in [start, end) of the file."""
    pos = start
    for _ in range(10_000):
        if pos + 8 > end:
            return
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            return
        size, kind, head_len = int.from_bytes(header[:4], "big"), header[4:8], 8
        if size == 1 and len(header) == 16:
            size, head_len = int.from_bytes(header[8:16], "big"), 16
        elif size == 0:
            size = end - pos
        if size < head_len:
            raise ValueError(f"box {kind!r} at offset {pos} has an impossible size {size}")
        yield kind, pos, size, head_len
        pos += size


def _read_bmff_boxes(f: IO[bytes], result: Extracted) -> None:
    end = os.fstat(f.fileno()).st_size
    top: list[dict[str, Any]] = []
    moov: tuple[int, int, int] | None = None
    xmp: tuple[int, int] | None = None
    try:
        for kind, offset, size, head_len in _box_headers(f, 0, end):
            top.append({"type": jsonable(kind), "offset": offset, "size": size})
            if kind == b"moov" and moov is None:
                moov = (offset, size, head_len)
            elif kind == b"uuid" and xmp is None and _is_xmp_uuid(f, offset + head_len):
                xmp = (offset + head_len + 16, min(size - head_len - 16, XMP_CAP))
            if offset + size > end:
                result.problems.append(
                    f"box {kind.decode('latin-1')!r} at offset {offset} runs past the end of the "
                    "file: truncated"
                )
    except (ValueError, OSError) as e:
        result.problems.append(f"MP4 box structure broken: {_why(e)}")
    result.raw["mp4_top_level_boxes"] = top[:64]
    if xmp is not None:  # Adobe tools write XMP (with their edit history) in a top-level uuid box
        f.seek(xmp[0])
        _read_xmp(f.read(max(0, xmp[1])), result)
    if moov is None:
        result.problems.append("no moov box: the index of the movie is missing")
        return
    offset, size, head_len = moov
    if size > MOOV_CAP:
        result.problems.append("moov box too large to read for the track matrix")
        return
    f.seek(offset + head_len)
    data = f.read(size - head_len)
    tracks = _tracks(data)
    result.raw["mp4_tracks"] = tracks
    _rotation_from_tracks(tracks, result.normalized)
    if xmp is None:  # or in moov/udta/XMP_ (Premiere, After Effects)
        packet = _udta_xmp(data)
        if packet:
            _read_xmp(packet, result)


_XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")


def _is_xmp_uuid(f: IO[bytes], at: int) -> bool:
    f.seek(at)
    return f.read(16) == _XMP_UUID


def _udta_xmp(moov: bytes) -> bytes | None:
    for kind, start, end in _children(moov, 0, len(moov)):
        if kind == b"udta":
            for sub, s_start, s_end in _children(moov, start, end):
                if sub == b"XMP_":
                    return moov[s_start : min(s_end, s_start + XMP_CAP)]
    return None


def _children(buf: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Child boxes of an in-memory box body: (type, body_start, body_end)."""
    pos = start
    while pos + 8 <= end:
        size, kind = int.from_bytes(buf[pos : pos + 4], "big"), buf[pos + 4 : pos + 8]
        head = 8
        if size == 1:
            size, head = int.from_bytes(buf[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = end - pos
        if size < head or pos + size > end:
            return
        yield kind, pos + head, pos + size
        pos += size


def _tracks(moov: bytes) -> list[dict[str, Any]]:
    tracks = []
    for kind, start, end in _children(moov, 0, len(moov)):
        if kind != b"trak":
            continue
        track: dict[str, Any] = {}
        for sub, s_start, s_end in _children(moov, start, end):
            if sub == b"tkhd":
                track.update(_tkhd(moov[s_start:s_end]))
            elif sub == b"mdia":
                for leaf, l_start, _l_end in _children(moov, s_start, s_end):
                    if leaf == b"hdlr":
                        track["handler"] = jsonable(moov[l_start + 8 : l_start + 12])
        tracks.append(track)
    return tracks


def _tkhd(body: bytes) -> dict[str, Any]:
    version = body[0] if body else 0
    at = 52 if version == 1 else 40
    track_id_at = 20 if version == 1 else 12
    if len(body) < at + 36:
        return {}
    matrix = [
        int.from_bytes(body[at + 4 * i : at + 4 * i + 4], "big", signed=True) for i in range(9)
    ]
    return {
        "track_id": int.from_bytes(body[track_id_at : track_id_at + 4], "big"),
        "matrix": matrix,
    }


def _rotation_from_tracks(tracks: list[dict[str, Any]], norm: dict[str, Any]) -> None:
    for track in tracks:
        if track.get("handler") != "vide" or "matrix" not in track:
            continue
        a, b, _, c, d = track["matrix"][:5]
        if a == b == 0:
            return
        # the angle FFmpeg reports is counter-clockwise; phones mean the clockwise turn
        norm["rotation_deg"] = round(math.degrees(math.atan2(b, a))) % 360
        if a * d - b * c < 0:
            norm["mirrored"] = True
        return


# --- images (Pillow) --------------------------------------------------------------------------

_SUB_IFDS = {
    "Exif": ExifTags.IFD.Exif,
    "GPS": ExifTags.IFD.GPSInfo,
    "Interop": ExifTags.IFD.Interop,
}
_POINTERS = {int(ExifTags.IFD.Exif), int(ExifTags.IFD.GPSInfo), int(ExifTags.IFD.Interop)}


def _read_image(f: IO[bytes], sniffed: Sniffed, result: Extracted) -> None:
    result.extractor, result.extractor_version = "pillow", PIL.__version__
    try:
        im = Image.open(f)
    except Exception as e:  # Pillow raises many types on damaged or unsupported images
        result.problems.append(f"image not readable by Pillow: {_why(e)}")
        if sniffed.media_type.startswith(("image/hei", "image/avif")):
            _read_av(f, sniffed, result)  # FFmpeg reads HEIF containers: size at least
        return
    if im.format == "HEIF" and HEIF_VERSION:
        result.extractor, result.extractor_version = (
            "pillow+pillow-heif",
            f"{PIL.__version__}+{HEIF_VERSION}",
        )
    with im:
        norm = result.normalized
        result.raw["image"] = {"format": im.format, "mode": im.mode, "size": list(im.size)}
        norm.update(width=im.size[0], height=im.size[1], image_format=im.format)
        exif = _read_exif(im, result)
        xmp = im.info.get("xmp") or (exif or {}).get("IFD0", {}).pop("XMLPacket", None)
    if exif:
        result.raw["exif"] = jsonable(exif)
        _normalize_exif(exif, norm)
    if xmp:
        _read_xmp(xmp, result)
    _image_hints(sniffed, exif, result)


def _read_exif(im: Image.Image, result: Extracted) -> dict[str, dict[str, Any]] | None:
    """EXIF as {"IFD0": {name: value}, "Exif": {...}, "GPS": {...}, "Interop": {...}}."""
    try:
        exif = im.getexif()
        base = {_tag_name(k, ExifTags.TAGS): v for k, v in exif.items() if k not in _POINTERS}
        tables = {"IFD0": base}
        for name, ifd in _SUB_IFDS.items():
            if int(ifd) in exif:
                names = ExifTags.GPSTAGS if name == "GPS" else ExifTags.TAGS
                tables[name] = {_tag_name(k, names): v for k, v in exif.get_ifd(ifd).items()}
    except Exception as e:  # damaged EXIF: a wrong offset or count raises deep in Pillow
        result.problems.append(f"EXIF not readable: {_why(e)}")
        return None
    return {k: v for k, v in tables.items() if v} or None


def _tag_name(tag: int, names: dict[int, str]) -> str:
    return names.get(tag, f"0x{tag:04x}")


def _text_tag(table: dict[str, Any], name: str) -> str | None:
    value = table.get(name)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()
        return value or None
    return None


def _normalize_exif(exif: dict[str, dict[str, Any]], norm: dict[str, Any]) -> None:
    ifd0, sub, gps = exif.get("IFD0", {}), exif.get("Exif", {}), exif.get("GPS", {})
    for out, table, name in (
        ("device_make", ifd0, "Make"),
        ("device_model", ifd0, "Model"),
        ("software", ifd0, "Software"),
        ("lens_model", sub, "LensModel"),
    ):
        text = _text_tag(table, name)
        if text:
            norm[out] = text
    if isinstance(ifd0.get("Orientation"), int):
        norm["orientation"] = ifd0["Orientation"]
    for tag, offset_tag, subsec_tag in (
        ("DateTimeOriginal", "OffsetTimeOriginal", "SubsecTimeOriginal"),
        ("DateTimeDigitized", "OffsetTimeDigitized", "SubsecTimeDigitized"),
        ("DateTime", "OffsetTime", "SubsecTime"),
    ):
        text = _text_tag(sub if tag != "DateTime" else ifd0, tag)
        offset = _text_tag(sub, offset_tag) or ""
        subsec = _text_tag(sub, subsec_tag) or ""
        fraction = f".{subsec}" if subsec.isdigit() else ""  # phones burst many a second
        if text and _set_time(norm, f"{text}{fraction}{offset}", tag):
            break
    point = _exif_gps(gps)
    if point:
        norm["gps"], norm["gps_source"] = point, "EXIF GPS IFD"
    _drop_null_island(norm)
    gps_time = _exif_gps_time(gps)
    if gps_time:
        norm["gps_time"] = gps_time


def _exif_gps(gps: dict[str, Any]) -> dict[str, Any] | None:
    lat = _dms(gps.get("GPSLatitude"), _text_tag(gps, "GPSLatitudeRef"), "S")
    lon = _dms(gps.get("GPSLongitude"), _text_tag(gps, "GPSLongitudeRef"), "W")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    point: dict[str, Any] = {"lat": round(lat, 7), "lon": round(lon, 7)}
    alt = _number(gps.get("GPSAltitude"))
    if alt is not None:
        ref = gps.get("GPSAltitudeRef")
        below = ref in (1, b"\x01") or (isinstance(ref, bytes) and ref[:1] == b"\x01")
        point["alt"] = round(-alt if below else alt, 3)
    direction = _number(gps.get("GPSImgDirection"))
    if direction is not None and 0 <= direction <= 360:
        point["direction_deg"] = round(direction, 2)  # which way the camera faced
        point["direction_ref"] = _text_tag(gps, "GPSImgDirectionRef") or "unknown"
    accuracy = _number(gps.get("GPSHPositioningError"))
    if accuracy is not None:
        point["accuracy_m"] = round(accuracy, 2)
    return point


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return number if math.isfinite(number) else None


def _dms(value: Any, ref: str | None, negative: str) -> float | None:
    if not isinstance(value, tuple | list) or not value:
        return None
    parts = [_number(v) for v in value[:3]]
    if any(p is None for p in parts):
        return None
    degrees = sum(p / 60**i for i, p in enumerate(parts) if p is not None)
    return -degrees if (ref or "").upper().startswith(negative) else degrees


def _exif_gps_time(gps: dict[str, Any]) -> str | None:
    date, stamp = _text_tag(gps, "GPSDateStamp"), gps.get("GPSTimeStamp")
    if not date or not isinstance(stamp, tuple | list) or len(stamp) < 3:
        return None
    parts = [_number(v) for v in stamp[:3]]
    if any(p is None for p in parts):
        return None
    h, m, s = (p or 0.0 for p in parts)
    utc, _ = parse_time(f"{date} {int(h):02d}:{int(m):02d}:{int(s):02d}Z")
    return utc_text(utc) if utc else None


_IMAGE_TOOLS = re.compile(
    r"Photoshop|GIMP|Lightroom|Snapseed|Pixelmator|Affinity|Canva|PicsArt|Instagram|Facetune",
    re.IGNORECASE,
)


def _image_hints(sniffed: Sniffed, exif: dict[str, Any] | None, result: Extracted) -> None:
    norm, hints = result.normalized, []
    if sniffed.media_type == "image/jpeg" and not exif:
        hints.append(
            "no EXIF metadata: stripped, as messaging apps and social platforms do on upload"
        )
    elif exif and not any(k in norm for k in ("device_make", "device_model", "created_at_local")):
        hints.append("EXIF without camera make, model or capture time")
    xmp = norm.get("xmp", {})
    tools = [norm.get("software") or "", xmp.get("creator_tool", ""), *xmp.get("history", [])]
    editor = next((t for t in tools if _IMAGE_TOOLS.search(t)), None)
    if editor:
        hints.append(f"edited or exported with {editor[:100]}")
    if hints:
        norm["reencode_hint"] = hints


# --- XMP --------------------------------------------------------------------------------------

_XMP_FIELDS = {
    "CreatorTool": "creator_tool", "CreateDate": "create_date", "ModifyDate": "modify_date",
    "MetadataDate": "metadata_date", "DateCreated": "date_created", "DocumentID": "document_id",
    "InstanceID": "instance_id", "OriginalDocumentID": "original_document_id",
    "Producer": "producer", "title": "title", "creator": "creator", "Make": "make",
    "Model": "model", "DateTimeOriginal": "date_time_original", "GPSLatitude": "gps_latitude",
    "GPSLongitude": "gps_longitude",
}  # fmt: skip


def _read_xmp(packet: Any, result: Extracted) -> None:
    if isinstance(packet, bytes | bytearray):
        text = bytes(packet).decode("utf-8", "replace")
    else:
        text = str(packet)
    if len(text) > XMP_CAP:
        result.problems.append(f"XMP packet of {len(text)} characters kept only to {XMP_CAP}")
    result.raw["xmp"] = _clean_str(text[:XMP_CAP])
    try:
        fields = parse_xmp(text)
    except Exception as e:  # malformed XML, or entities that defusedxml refuses
        result.problems.append(f"XMP packet not parseable: {_why(e)}")
        return
    if fields:
        result.normalized["xmp"] = fields


def parse_xmp(text: str) -> dict[str, Any]:
    """A few well-known XMP fields; no DTDs or entities are processed (defusedxml)."""
    start = text.find("<x:xmpmeta")
    if start < 0:
        start = text.find("<rdf:RDF")
    end_tag = "</x:xmpmeta>" if text.startswith("<x:xmpmeta", start) else "</rdf:RDF>"
    end = text.find(end_tag, start)
    body = text[start : end + len(end_tag)] if start >= 0 and end >= 0 else text
    root = SafeET.fromstring(body.encode("utf-8"), forbid_dtd=True)
    fields: dict[str, Any] = {}
    history: list[str] = []
    for el in root.iter():
        for attr, value in el.attrib.items():
            _xmp_field(fields, history, _local(attr), value)
        texts = [t.strip() for t in el.itertext() if t.strip()]
        if texts and len(el) <= 1 and _local(el.tag) in _XMP_FIELDS:
            _xmp_field(fields, history, _local(el.tag), " ; ".join(texts))
        elif _local(el.tag) == "softwareAgent" and texts:
            history.append(texts[0])
    if history:
        fields["history"] = history
    return fields


def _xmp_field(fields: dict[str, Any], history: list[str], name: str, value: str) -> None:
    if name == "softwareAgent":
        history.append(value)
    elif name in _XMP_FIELDS:
        fields.setdefault(_XMP_FIELDS[name], value)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --- PDF (pypdf) ------------------------------------------------------------------------------


def _read_pdf(f: IO[bytes], sniffed: Sniffed, result: Extracted) -> None:
    result.extractor, result.extractor_version = "pypdf", pypdf.__version__
    _pdf_revisions(f, result)
    f.seek(0)
    try:
        reader = pypdf.PdfReader(f, strict=False)
    except Exception as e:  # pypdf raises many types on damaged files
        result.problems.append(f"PDF not readable by pypdf: {_why(e)}")
        return
    _read_pdf_parts(reader, result)


def _read_pdf_parts(reader: pypdf.PdfReader, result: Extracted) -> None:
    norm, raw = result.normalized, result.raw
    norm["pdf_version"] = reader.pdf_header.removeprefix("%PDF-")
    norm["encrypted"] = reader.is_encrypted
    if reader.is_encrypted:
        try:
            opened = bool(reader.decrypt(""))  # many "protected" PDFs only restrict printing
        except Exception:  # pypdf without a cipher backend, or a damaged encryption dict
            opened = False
        if not opened:
            result.problems.append("PDF encrypted with a password: pages and metadata not read")
            return
    try:
        norm["pages"] = len(reader.pages)
    except Exception as e:
        result.problems.append(f"page tree not readable: {_why(e)}")
    try:
        info = reader.metadata
        raw["info"] = jsonable(dict(info)) if info is not None else {}
    except Exception as e:
        result.problems.append(f"info dictionary not readable: {_why(e)}")
        raw["info"] = {}
    _normalize_pdf_info(raw["info"], norm)
    try:
        xmp = _pdf_xmp_bytes(reader)
    except Exception as e:
        result.problems.append(f"XMP metadata stream not readable: {_why(e)}")
        xmp = None
    if xmp:
        _read_xmp(xmp, result)


def _pdf_xmp_bytes(reader: pypdf.PdfReader) -> bytes | None:
    root = reader.trailer["/Root"].get_object()
    if not isinstance(root, pypdf.generic.DictionaryObject) or "/Metadata" not in root:
        return None
    stream = root["/Metadata"].get_object()
    if not isinstance(stream, pypdf.generic.StreamObject):
        return None
    data = stream.get_data()
    return bytes(data) if data else None


_PDF_INFO = {
    "/Producer": "pdf_producer", "/Creator": "pdf_creator", "/Title": "title",
    "/Author": "author", "/Subject": "subject", "/Keywords": "keywords",
}  # fmt: skip
_PDF_DATE_RE = re.compile(
    r"^D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Zz+-])?(\d{2})?'?(\d{2})?"
)


def parse_pdf_date(text: str) -> tuple[dt.datetime | None, str | None]:
    """`D:20221215140322+02'00'` to (UTC datetime if zoned, local ISO text)."""
    m = _PDF_DATE_RE.match(text.strip())
    if not m:
        return None, None
    y, mo, d, h, mi, s = (m.group(i) for i in range(1, 7))
    iso = f"{y}-{mo or '01'}-{d or '01'}T{h or '00'}:{mi or '00'}:{s or '00'}"
    sign = m.group(7)
    if sign in ("Z", "z"):
        iso += "Z"
    elif sign and m.group(8):
        iso += f"{sign}{m.group(8)}:{m.group(9) or '00'}"
    return parse_time(iso)


def _normalize_pdf_info(info: dict[str, Any], norm: dict[str, Any]) -> None:
    for key, out in _PDF_INFO.items():
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            norm[out] = value.strip()
    for key, out in (("/CreationDate", "created_at"), ("/ModDate", "modified_at")):
        value = info.get(key)
        if isinstance(value, str):
            utc, local = parse_pdf_date(value)
            if utc:
                norm[out] = utc_text(utc)
            elif local:
                norm[out + "_local"] = local


def _pdf_revisions(f: IO[bytes], result: Extracted) -> None:
    """Count %%EOF markers: each incremental update after the first save adds one."""
    size = os.fstat(f.fileno()).st_size
    if size > 64 * 1024 * 1024:  # a second full read of a big scan is not worth the count
        return
    count, tail = 0, b""
    f.seek(0)
    while chunk := f.read(1 << 20):
        block = tail + chunk  # 4 bytes kept so a marker across two reads is seen once
        count += block.count(b"%%EOF")
        tail = block[-4:]
    result.normalized["revisions"] = count


# --- office documents (OOXML, ODF) ------------------------------------------------------------

_OFFICE_FIELDS = {
    "title": "title", "creator": "author", "initial-creator": "author",
    "lastModifiedBy": "last_modified_by", "created": "created_at", "creation-date": "created_at",
    "modified": "modified_at", "date": "modified_at", "Application": "application",
    "generator": "application", "Pages": "pages", "Company": "company",
}  # fmt: skip
_OFFICE_PARTS = ("docProps/core.xml", "docProps/app.xml", "meta.xml")
_OFFICE_TYPES = ("application/vnd.openxmlformats-", "application/vnd.oasis.opendocument.")


def _central_directory_size(f: IO[bytes]) -> int | None:
    """Size the zip's end record declares for its central directory (None if not found)."""
    size = os.fstat(f.fileno()).st_size
    f.seek(max(0, size - 65_557))  # the end record plus the longest possible comment
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return int.from_bytes(tail[at + 12 : at + 16], "little")


def _read_office(f: IO[bytes], sniffed: Sniffed, result: Extracted) -> None:
    directory = _central_directory_size(f)
    if directory is not None and directory > 8 * 1024 * 1024:  # zipfile would hold it all
        result.problems.append(f"zip central directory of {directory} bytes: not read")
        return
    try:
        archive = zipfile.ZipFile(f)
    except Exception as e:  # not a zip after all, or a damaged central directory
        result.problems.append(f"document package not readable: {_why(e)}")
        return
    with archive:
        parts: dict[str, str] = {}
        for name in _OFFICE_PARTS:
            try:
                member = archive.getinfo(name)
                if member.file_size <= 1024 * 1024:  # metadata parts are tiny; bombs are not
                    parts[name] = archive.read(member).decode("utf-8", "replace")
            except KeyError:
                continue
            except Exception as e:
                result.problems.append(f"{name} not readable: {_why(e)}")
    result.raw["document_parts"] = jsonable(parts)
    for name, text in parts.items():
        try:
            root = SafeET.fromstring(text.encode("utf-8"), forbid_dtd=True)
        except Exception as e:
            result.problems.append(f"{name} not parseable: {_why(e)}")
            continue
        _normalize_office(root, result.normalized)


def _normalize_office(root: Any, norm: dict[str, Any]) -> None:
    for el in root.iter():
        name = _local(el.tag)
        if name == "document-statistic":
            pages = el.attrib.get("{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}page-count")
            if pages and pages.isdigit():
                norm.setdefault("pages", int(pages))
        out = _OFFICE_FIELDS.get(name)
        text = (el.text or "").strip()
        if not out or not text or out in norm:
            continue
        if out in ("created_at", "modified_at"):
            utc, local = parse_time(text)
            if utc:
                norm[out] = utc_text(utc)
            elif local:
                norm[out + "_local"] = local
        elif out == "pages":
            if text.isdigit():
                norm[out] = int(text)
        else:
            norm[out] = text

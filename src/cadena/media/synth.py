"""Deterministic synthetic media for tests, the demo and benchmarks.

Every generator takes a `seed`; the same arguments give the same bytes on the same library
versions (except `big_video`, which uses encoder threads for speed: same size and content, not
byte-identical). Videos and audio are written with PyAV, images with Pillow, PDFs by a small
writer of our own (so a test of the PDF reader does not read what the same library wrote).

Metadata conventions written into videos (and read back by `cadena.media.metadata`):
- `gps=(lat, lon)` or `(lat, lon, alt)` -> the ISO 6709 `location` tag (Android style, `©xyz`);
- `make`, `model` -> `make`, `model` keys in the `mdta` metadata box;
- `creation_time` -> the movie header's creation time (UTC);
- `rotation` (degrees clockwise, as phones record portrait video) -> the track's display matrix;
- `tags` -> any further container tags verbatim (e.g. `com.apple.quicktime.location.ISO6709`).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import wave
import zlib
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.video.stream import VideoStream
from numpy.typing import NDArray
from PIL import Image
from PIL.ExifTags import IFD

AUDIO_RATE = 48_000
PathLike = str | os.PathLike[str]


def video(
    path: PathLike,
    seconds: float = 3,
    width: int = 320,
    height: int = 240,
    fps: int = 25,
    codec: str = "h264",
    with_audio: bool = True,
    gps: tuple[float, float] | tuple[float, float, float] | None = None,
    make: str | None = None,
    model: str | None = None,
    creation_time: dt.datetime | None = None,
    seed: int = 0,
    bitrate: int | None = None,
    audio: NDArray[np.floating] | None = None,
    rotation: int = 0,
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Write an MP4 (H.264 or HEVC, optional AAC) with a moving, seed-dependent pattern.

    `audio` is a mono float array in [-1, 1] at 48 kHz; without it and with `with_audio`, a quiet
    seeded tone is muxed. The audio track lasts as long as `audio` (or `seconds`).
    """
    path = Path(path)
    out = av.open(str(path), "w", format="mp4", options={"movflags": "use_metadata_tags"})
    try:
        for key, value in _video_tags(gps, make, model, creation_time, tags).items():
            out.metadata[key] = value
        vs = cast(VideoStream, out.add_stream(_encoder(codec), rate=fps))
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        if bitrate:
            vs.bit_rate = bitrate
        vs.options = _encoder_options(codec)
        vs.thread_count = 1  # see _encoder_options
        if rotation % 360:
            vs.set_display_rotation(-rotation)  # PyAV's angle is counter-clockwise
        pcm = None
        if with_audio or audio is not None:
            pcm = audio if audio is not None else tone(seconds, seed=seed)
        audio_out = _AacWriter(out, pcm) if pcm is not None else None
        n_frames = max(1, round(seconds * fps))
        for i in range(n_frames):
            frame = _yuv_frame(_pattern(i, width, height, seed))
            frame.pts, frame.time_base = i, Fraction(1, fps)  # explicit: the encoder's clock
            out.mux(vs.encode(frame))
            if audio_out:  # interleave, so the muxer need not hold the whole video
                audio_out.write_until((i + 1) / fps)
        out.mux(vs.encode(None))
        if audio_out:
            audio_out.finish()
    finally:
        out.close()
    return path


def _encoder(codec: str) -> str:
    return {"h264": "libx264", "hevc": "libx265", "h265": "libx265"}.get(codec, codec)


def _encoder_options(codec: str) -> dict[str, object]:
    # x264's AVX2/AVX-512 kernels gave a different bitstream on each encoder opened in one
    # process (seen with PyAV 18.1's x264); its SSE2 kernels, almost as fast here, do not
    if _encoder(codec) == "libx264":
        params = "threads=1:lookahead-threads=1"
        if platform.machine().lower() in ("x86_64", "amd64"):
            params += ":asm=SSE2"
        return {"preset": "veryfast", "x264-params": params}
    if _encoder(codec) == "libx265":
        return {"preset": "ultrafast", "x265-params": "log-level=error:pools=none:frame-threads=1"}
    return {}


def _video_tags(
    gps: Sequence[float] | None,
    make: str | None,
    model: str | None,
    creation_time: dt.datetime | None,
    extra: Mapping[str, str] | None,
) -> dict[str, str]:
    tags: dict[str, str] = {}
    if gps is not None:
        tags["location"] = iso6709(*gps)
    if make:
        tags["make"] = make
    if model:
        tags["model"] = model
    if creation_time is not None:
        tags["creation_time"] = _utc(creation_time).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    tags.update(extra or {})
    return tags


def iso6709(lat: float, lon: float, alt: float | None = None) -> str:
    """A point as phones write it: `+12.3456-076.5432+012.300/`."""
    text = f"{lat:+08.4f}{lon:+09.4f}"
    if alt is not None:
        text += f"{alt:+08.3f}"
    return text + "/"


def _utc(when: dt.datetime) -> dt.datetime:
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def _pattern(i: int, width: int, height: int, seed: int) -> NDArray[np.uint8]:
    """A gradient with a square that moves every frame; the seed sets colours and path."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, 3)
    speed = rng.integers(1, 6, 2)
    y = np.arange(height, dtype=np.int32)[:, None]
    x = np.arange(width, dtype=np.int32)[None, :]
    frame = np.empty((height, width, 3), dtype=np.uint8)
    frame[..., 0] = (x + base[0] + i) % 256
    frame[..., 1] = (y + base[1]) % 256
    frame[..., 2] = (x + y + base[2] - 2 * i) % 256
    side = max(4, min(width, height) // 5)
    top = (i * speed[1] * 3) % max(1, height - side)
    left = (i * speed[0] * 3) % max(1, width - side)
    frame[top : top + side, left : left + side] = 255 - base.astype(np.uint8)
    return frame


def _yuv_frame(rgb: NDArray[np.uint8]) -> av.VideoFrame:
    """RGB to a yuv420p frame in NumPy (BT.601, limited range): pixels fixed by our code alone,
    whatever the library's converter does."""
    h, w = rgb.shape[0] & ~1, rgb.shape[1] & ~1
    r, g, b = (rgb[:h, :w, i].astype(np.float32) for i in range(3))
    y = 16 + 0.257 * r + 0.504 * g + 0.098 * b
    u = 128 - 0.148 * r - 0.291 * g + 0.439 * b
    v = 128 + 0.439 * r - 0.368 * g - 0.071 * b

    def half(plane: NDArray[np.float32]) -> NDArray[np.float32]:
        quad = plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]
        return (quad / 4).astype(np.float32)

    planes = [y.reshape(-1), half(u).reshape(-1), half(v).reshape(-1)]
    data = np.clip(np.concatenate(planes).round(), 0, 255).astype(np.uint8)
    return av.VideoFrame.from_ndarray(data.reshape(h * 3 // 2, w), format="yuv420p")


def tone(
    seconds: float, freq: float | None = None, seed: int = 0, rate: int = AUDIO_RATE
) -> NDArray[np.float32]:
    """A quiet sine (frequency from the seed unless given) with a little noise, mono."""
    rng = np.random.default_rng(seed)
    hz = freq if freq is not None else float(rng.integers(200, 2000))
    t = np.arange(round(seconds * rate)) / rate
    signal = 0.2 * np.sin(2 * np.pi * hz * t) + 0.01 * rng.standard_normal(t.size)
    return signal.astype(np.float32)


class _AacWriter:
    """Mono float samples at 48 kHz encoded to AAC in 1024-sample frames (AAC's frame size)."""

    def __init__(self, out: av.container.OutputContainer, samples: NDArray[np.floating]) -> None:
        self.out = out
        self.stream = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        self.data = np.clip(np.asarray(samples, dtype=np.float32).reshape(-1), -1.0, 1.0)
        self.pos = 0

    def write_until(self, seconds: float) -> None:
        stop = min(self.data.size, int(seconds * AUDIO_RATE))
        while self.pos < stop:
            piece = np.ascontiguousarray(self.data[self.pos : self.pos + 1024][None, :])
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.pos
            frame.time_base = Fraction(1, AUDIO_RATE)
            self.out.mux(self.stream.encode(frame))
            self.pos += piece.shape[1]

    def finish(self, seconds: float | None = None) -> None:
        self.write_until(self.data.size / AUDIO_RATE if seconds is None else seconds)
        self.out.mux(self.stream.encode(None))


def big_video(path: PathLike, target_bytes: int, seed: int = 0) -> Path:
    """A 1280x720 30 fps H.264 + AAC file of about `target_bytes` (~27 Mbit/s), made fast.

    Camera-like content costs too much to encode at benchmark scale; light noise over a moving
    pattern at a fixed quantiser (x264 preset ultrafast) spends bits quickly and keeps every
    file distinct. About 25 MB takes a few seconds on one core.
    """
    path = Path(path)
    width, height, fps = 1280, 720, 30
    rng = np.random.default_rng(seed)
    noise = [rng.integers(0, 16, (height, width, 3), dtype=np.uint8) for _ in range(4)]
    expected_seconds = target_bytes / (110_000 * fps) * 1.5 + 1  # generous; cut at the end
    out = av.open(str(path), "w", format="mp4")
    try:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.options = {"preset": "ultrafast", "qp": "20", "g": str(fps * 2)}
        sound = _AacWriter(out, tone(expected_seconds, seed=seed))
        written, i = 0, 0
        while written < target_bytes:
            img = _pattern(i, width, height, seed) // 2 + noise[(i * 7 + seed) % len(noise)]
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in vs.encode(frame):
                written += packet.size
                out.mux(packet)
            i += 1
            sound.write_until(i / fps)
        out.mux(vs.encode(None))
        sound.finish(i / fps)
    finally:
        out.close()
    return path


def image(
    path: PathLike,
    width: int = 640,
    height: int = 480,
    exif_gps: tuple[float, float] | tuple[float, float, float] | None = None,
    make: str | None = None,
    model: str | None = None,
    taken_at: dt.datetime | None = None,
    software: str | None = None,
    seed: int = 0,
    quality: int = 90,
    fmt: str = "JPEG",
    gps_direction: float | None = None,
) -> Path:
    """Write a JPEG (or, with `fmt="HEIF"`, an iPhone-style HEIC) with EXIF: Make, Model,
    Software, DateTimeOriginal (+OffsetTimeOriginal when `taken_at` is aware), and a GPS IFD
    (degrees/minutes/seconds rationals with N/S, E/W references; `gps_direction`, the way the
    camera faced in degrees from true north). Milliseconds of `taken_at` go to SubsecTimeOriginal.
    """
    path = Path(path)
    img = Image.fromarray(_pattern(seed % 50, width, height, seed))
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if software:
        exif[0x0131] = software
    if taken_at is not None:
        sub = exif.get_ifd(IFD.Exif)
        sub[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
        offset = taken_at.strftime("%z")
        if offset:
            sub[0x9011] = f"{offset[:3]}:{offset[3:]}"  # OffsetTimeOriginal
        if taken_at.microsecond:
            sub[0x9291] = f"{taken_at.microsecond // 1000:03d}"  # SubsecTimeOriginal
    if exif_gps is not None:
        gps = exif.get_ifd(IFD.GPSInfo)
        gps.update(_gps_ifd(*exif_gps))
        if gps_direction is not None:
            gps[0x10] = "T"  # GPSImgDirectionRef: true north
            gps[0x11] = Fraction(gps_direction).limit_denominator(100)
    if fmt.upper() in ("HEIF", "HEIC"):
        import pillow_heif  # only needed here; registered for Pillow by cadena.media.metadata

        pillow_heif.register_heif_opener()
        fmt = "HEIF"
    img.save(path, fmt, quality=quality, exif=exif.tobytes())
    return path


def _gps_ifd(lat: float, lon: float, alt: float | None = None) -> dict[int, object]:
    ifd: dict[int, object] = {
        0: b"\x02\x03\x00\x00",  # GPSVersionID 2.3
        1: "N" if lat >= 0 else "S",
        2: _dms(abs(lat)),
        3: "E" if lon >= 0 else "W",
        4: _dms(abs(lon)),
    }
    if alt is not None:
        ifd[5] = 0 if alt >= 0 else 1  # GPSAltitudeRef: 1 = below sea level
        ifd[6] = Fraction(abs(alt)).limit_denominator(1000)
    return ifd


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes_f = (value - degrees) * 60
    minutes = int(minutes_f)
    seconds = Fraction((minutes_f - minutes) * 60).limit_denominator(10_000)
    return Fraction(degrees), Fraction(minutes), seconds


def wav(path: PathLike, samples: NDArray[np.floating], rate: int = AUDIO_RATE) -> Path:
    """Write 16-bit PCM WAV from floats in [-1, 1]; shape (n,) mono or (n, channels)."""
    path = Path(path)
    data = np.asarray(samples, dtype=np.float64)
    channels = 1 if data.ndim == 1 else data.shape[1]
    pcm = (np.clip(data, -1.0, 1.0) * 32767).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def corrupt(path_in: PathLike, path_out: PathLike, seed: int = 0, keep_head: int = 64) -> Path:
    """Copy with about 2% of the bytes after `keep_head` overwritten by seeded garbage, in runs,
    so the magic bytes survive (the type is still sniffed) but the structure does not."""
    data = bytearray(Path(path_in).read_bytes())
    rng = np.random.default_rng(seed)
    span = len(data) - keep_head
    if span > 0:
        runs = max(1, span // 2000)
        for start in rng.integers(keep_head, len(data), runs):
            run = rng.integers(0, 256, 40, dtype=np.uint8).tobytes()
            end = min(len(data), int(start) + len(run))
            data[int(start) : end] = run[: end - int(start)]
    Path(path_out).write_bytes(bytes(data))
    return Path(path_out)


def truncated(path_in: PathLike, path_out: PathLike, fraction: float = 0.5) -> Path:
    """Copy only the first `fraction` of the file, as an interrupted download leaves it."""
    data = Path(path_in).read_bytes()
    Path(path_out).write_bytes(data[: int(len(data) * fraction)])
    return Path(path_out)


# --- PDF -------------------------------------------------------------------------------------


def pdf(
    path: PathLike,
    pages: Sequence[str],
    title: str | None = None,
    author: str | None = None,
    creation_date: dt.datetime | None = None,
    producer: str = "cadena.media.synth",
    xmp: bool = True,
) -> Path:
    """Write a born-digital PDF 1.7: one page per string (lines split on newlines), Helvetica
    with WinAnsi encoding (so Spanish accents survive), an info dictionary and an XMP packet."""
    when = _utc(creation_date or dt.datetime(2022, 12, 15, 12, 0, tzinfo=dt.UTC))
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled once the page tree and metadata exist
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    kids = []
    for text in pages:
        content = add(_stream(_page_content(text)))
        kids.append(add(_page(tree, font, content)))
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    catalog_body = b"<< /Type /Catalog /Pages %d 0 R" % tree
    if xmp:
        packet = _xmp_packet(title, author, producer, when)
        meta = add(_stream(packet, b"/Type /Metadata /Subtype /XML"))
        catalog_body += b" /Metadata %d 0 R" % meta
    objects[catalog - 1] = catalog_body + b" >>"
    info = add(_info_dict(title, author, producer, when))
    Path(path).write_bytes(_assemble(objects, catalog, info))
    return Path(path)


def _page(tree: int, font: int, content: int) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (tree, font, content)
    )


def _page_content(text: str) -> bytes:
    lines = [b"BT /F1 12 Tf 14 TL 72 720 Td"]
    for line in text.splitlines() or [""]:
        lines.append(b"(%s) Tj T*" % _pdf_string(line))
    lines.append(b"ET")
    return b"\n".join(lines)


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    if not extra:
        data = zlib.compress(data)
        extra = b"/Filter /FlateDecode"
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (extra, len(data), data)


def _pdf_date(when: dt.datetime) -> bytes:
    return when.strftime("D:%Y%m%d%H%M%S+00'00'").encode()


def _info_dict(title: str | None, author: str | None, producer: str, when: dt.datetime) -> bytes:
    entries = [b"/Producer (%s)" % _pdf_string(producer), b"/CreationDate (%s)" % _pdf_date(when)]
    entries.append(b"/ModDate (%s)" % _pdf_date(when))
    if title:
        entries.append(b"/Title (%s)" % _pdf_string(title))
    if author:
        entries.append(b"/Author (%s)" % _pdf_string(author))
    return b"<< " + b" ".join(entries) + b" >>"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xmp_packet(title: str | None, author: str | None, producer: str, when: dt.datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = [
        f"<xmp:CreateDate>{stamp}</xmp:CreateDate>",
        f"<xmp:CreatorTool>{_xml_escape(producer)}</xmp:CreatorTool>",
        f"<pdf:Producer>{_xml_escape(producer)}</pdf:Producer>",
    ]
    if title:
        parts.append(
            "<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>"
            f"{_xml_escape(title)}</rdf:li></rdf:Alt></dc:title>"
        )
    if author:
        parts.append(
            f"<dc:creator><rdf:Seq><rdf:li>{_xml_escape(author)}</rdf:li></rdf:Seq></dc:creator>"
        )
    body = "\n".join(parts)
    return (
        "<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>\n"
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' "
        "xmlns:xmp='http://ns.adobe.com/xap/1.0/' xmlns:pdf='http://ns.adobe.com/pdf/1.3/'>\n"
        f"{body}\n</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end='w'?>"
    ).encode()


def _assemble(objects: list[bytes], catalog: int, info: int) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = (len(objects) + 1, catalog, info)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % trailer
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)

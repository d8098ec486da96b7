"""Frames from a video: keyframes and sampled frames via PyAV, borders, thumbnails.

Decoding is the cost of fingerprinting, so frames are taken from keyframes wherever they lie close
enough together (`max_gap`, 2 s: phones record a keyframe every 1-2 s): those groups of pictures
are decoded with `skip_frame = "NONKEY"` and non-key packets are never even sent to the decoder.
Only a group of pictures longer than `max_gap` is decoded further, and then without the frames no
other frame refers to (`skip_frame = "NONREF"`: most B-frames); one frame every `step` seconds is
kept from it. The choice is made per group of pictures, by buffering its packets until the next
keyframe shows how long it is; of keyframes closer together than `max_gap`, only those needed
to leave no gap over `max_gap` are decoded. A video shorter than `SHORT` gaps is sampled every
`step` throughout: it is cheap, and keyframes alone would leave an excerpt too few frames to
match on. Each kept frame is scaled down by libswscale, to RGB (thumbnails) and to luma
(fingerprints).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

from cadena.errors import CadenaError

TOOL = "cadena.media.frames"
TOOL_VERSION = "0.3.0"  # 0.3: one keyframe every max_gap, not every keyframe
#: Keyframes at most this far apart are all the frames decoded (phones record one every 1-2 s).
MAX_GAP = 2.0
#: In longer groups of pictures, a frame every STEP seconds (excerpts start anywhere).
STEP = 0.125
#: A video shorter than this many MAX_GAPs is sampled every STEP throughout: keyframes alone
#: would give it too few frames to match on (an excerpt of a few seconds), and it is cheap.
SHORT = 4


@dataclass(frozen=True)
class SampledFrame:
    """One decoded frame, downscaled, with where it lies in the video."""

    time: float  # seconds from the start of the video stream
    keyframe: bool
    image: np.ndarray  # H x W x 3, RGB, uint8
    luma: np.ndarray | None = None  # uint8, full range: the decoder's Y, max_side on the long side


@dataclass(frozen=True)
class Borders:
    """Uniform bars (letterbox, pillarbox, a screen recording's frame), in pixels of an image."""

    top: int = 0
    bottom: int = 0
    left: int = 0
    right: int = 0

    def crop(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        return image[self.top : h - self.bottom, self.left : w - self.right]

    def fractions(self, height: int, width: int) -> tuple[float, float, float, float]:
        return (self.top / height, self.bottom / height, self.left / width, self.right / width)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float
    has_audio: bool


def open_media(path: str | Path) -> av.container.InputContainer:
    """Open a file with PyAV, turning its errors into one the user can act on."""
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise CadenaError(f"{path}: cannot be read as audio or video ({exc}).") from exc


def probe(path: str | Path) -> VideoInfo:
    """Width, height, frame rate, duration and whether there is sound."""
    with open_media(path) as c:
        if not c.streams.video:
            raise CadenaError(f"{path}: holds no video stream.")
        v = c.streams.video[0]
        rate = v.average_rate or v.base_rate or 0
        duration = float(v.duration * v.time_base) if v.duration and v.time_base else 0.0
        if not duration and c.duration:
            duration = c.duration / 1_000_000
        return VideoInfo(v.width, v.height, float(rate), duration, bool(c.streams.audio))


def _scaled_size(width: int, height: int, max_side: int, upscale: bool = False) -> tuple[int, int]:
    scale = max_side / max(width, height)
    scale = scale if upscale else min(1.0, scale)
    return max(2, round(width * scale)), max(2, round(height * scale))


def _to_rgb(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    w, h = _scaled_size(frame.width, frame.height, max_side)
    return frame.reformat(width=w, height=h, format="rgb24", interpolation="AREA").to_ndarray()


def _to_luma(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    """Luma scaled by libswscale: PDQ's luma of the RGB picture to within rounding (and an
    offset, which PDQ ignores), at a fraction of the cost of computing it from RGB.

    Always `max_side` on the longer side, smaller videos scaled up: PDQ's blur depends on the
    picture's size, so a copy at half the size would otherwise be blurred less than its original
    and fine textures (brick, gravel) would alias differently into its hash."""
    w, h = _scaled_size(frame.width, frame.height, max_side, upscale=True)
    return frame.reformat(width=w, height=h, format="gray", interpolation="AREA").to_ndarray()


def sample_frames(
    path: str | Path,
    *,
    max_gap: float = MAX_GAP,
    step: float = STEP,
    max_side: int = 320,
    keyframes_only: bool = False,
    threads: int = 1,
) -> list[SampledFrame]:
    """Frames covering the video at least every `max_gap` seconds, as cheaply as possible.

    Keyframes are taken as far apart as `max_gap` allows; a group of pictures longer than
    `max_gap` is decoded (but for frames nothing refers to) and a frame kept every `step`
    seconds, and so is all of a video shorter than `SHORT * max_gap`. `keyframes_only` never
    decodes a non-key frame (fastest, sparsest).
    """
    with open_media(path) as c:
        if not c.streams.video:
            raise CadenaError(f"{path}: holds no video stream.")
        stream = c.streams.video[0]
        stream.thread_type = "NONE" if threads == 1 else "AUTO"
        stream.codec_context.thread_count = threads
        tb = stream.time_base
        length = float(stream.duration * tb) if stream.duration and tb else 0.0
        length = length or (c.duration or 0) / 1_000_000
        short = not keyframes_only and 0 < length < SHORT * max_gap
        try:
            return list(
                _sample(c, stream, 0.0 if short else max_gap, step, max_side, keyframes_only)
            )
        except av.FFmpegError as exc:
            raise CadenaError(f"{path}: the video could not be decoded ({exc}).") from exc


def _packet_time(packet: av.Packet, tb: float, start: float) -> float | None:
    ts = packet.pts if packet.pts is not None else packet.dts
    return None if ts is None else ts * tb - start


def _sample(
    c: av.container.InputContainer,
    stream: av.VideoStream,
    max_gap: float,
    step: float,
    max_side: int,
    keyframes_only: bool,
) -> Iterator[SampledFrame]:
    tb = float(stream.time_base or 0)
    start = (stream.start_time or 0) * tb
    ctx = stream.codec_context
    state = {"last": -1e9}
    gop: list[av.Packet] = []
    # A group of pictures of exactly max_gap (a keyframe every 30 frames at 30 fps) is short:
    # allow half a frame for timestamps' rounding.
    rate = float(stream.average_rate or 0)
    limit = max_gap + (0.5 / rate if rate > 0 else 0.02)

    def keep(frame: av.VideoFrame, dense: bool, must: bool = False) -> SampledFrame | None:
        # frame.time needs the frame's time base, which frames drained at the end lack.
        ts = frame.pts if frame.pts is not None else frame.dts
        t = (ts or 0) * tb - start
        gap = t - state["last"]
        if (frame.key_frame and (must or gap >= step / 2)) or (dense and gap >= step * 0.95):
            state["last"] = t
            rgb, luma = _to_rgb(frame, max_side), _to_luma(frame, max_side)
            return SampledFrame(round(t, 4), bool(frame.key_frame), rgb, luma)
        return None

    def flush(gop: list[av.Packet], next_key_time: float | None) -> Iterator[SampledFrame]:
        t0 = _packet_time(gop[0], tb, start) or 0.0
        times = [t for t in (_packet_time(p, tb, start) for p in gop) if t is not None]
        end = next_key_time if next_key_time is not None else max(times, default=t0)
        dense = not keyframes_only and end - t0 > limit
        # Frames no other frame refers to (most B-frames) need not be decoded to reach the rest.
        ctx.skip_frame = "NONREF" if dense else "NONKEY"
        # A lone keyframe is decoded only when skipping it would leave a gap over max_gap: with a
        # keyframe every second, every other one (decoding them is nearly all the cost).
        must = not dense and (next_key_time is None or next_key_time - state["last"] > limit)
        if not dense and not must:
            return
        for p in gop if dense else gop[:1]:
            for frame in stream.decode(p):
                kept = keep(frame, dense, must)
                if kept is not None:
                    yield kept
        # Drain what the decoder holds back for reordering, so each frame is judged with its own
        # group of pictures, then start the next group afresh (it begins with a keyframe).
        for frame in stream.decode(None):
            kept = keep(frame, dense, must)
            if kept is not None:
                yield kept
        ctx.flush_buffers()

    for packet in c.demux(stream):
        if packet.size == 0:
            continue
        if packet.is_keyframe and gop:
            yield from flush(gop, _packet_time(packet, tb, start))
            gop = []
        if gop or packet.is_keyframe:
            gop.append(packet)
    if gop:
        yield from flush(gop, None)


def keyframes(path: str | Path, max_side: int = 320) -> list[SampledFrame]:
    """Only the keyframes, never decoding anything else."""
    return sample_frames(path, keyframes_only=True, max_side=max_side)


def detect_borders(image: np.ndarray, tolerance: int = 12, max_fraction: float = 0.4) -> Borders:
    """Uniform bars of any colour at the edges of one image (black letterbox, a grey frame).

    Bars can nest (a status bar above a grey frame around a letterboxed picture), so detection is
    repeated on what is left until nothing more is found.
    """
    total = Borders()
    h, w = image.shape[:2]
    for _ in range(4):
        found = _detect_once(total.crop(image), tolerance)
        if found == Borders():
            break
        total = Borders(
            total.top + found.top,
            total.bottom + found.bottom,
            total.left + found.left,
            total.right + found.right,
        )
        if (
            total.top + total.bottom > h * max_fraction * 2
            or total.left + total.right > w * max_fraction * 2
        ):
            return Borders()
    return total


def _detect_once(image: np.ndarray, tolerance: int, max_fraction: float = 0.4) -> Borders:
    if min(image.shape[:2]) < 8:
        return Borders()
    luma = image.astype(np.int16) if image.ndim == 2 else image.astype(np.int16).mean(axis=2)
    h, w = luma.shape

    def run(lines: np.ndarray, limit: int) -> int:
        # A bar line is flat (little spread) and close in colour to the outermost line. Only the
        # lines up to the first that is not flat can be bar, so only those are looked at.
        lines = lines[: limit + 1]
        spread = np.ptp(lines, axis=1) <= 2 * tolerance
        n = int(np.argmin(spread)) if not spread.all() else len(spread)
        if n == 0:
            return 0
        ref = np.median(lines[0])
        near = np.abs(np.median(lines[:n], axis=1) - ref) <= tolerance
        n = int(np.argmin(near)) if not near.all() else n
        return min(n, limit)

    limit_h, limit_w = int(h * max_fraction), int(w * max_fraction)
    return Borders(
        top=run(luma, limit_h),
        bottom=run(luma[::-1], limit_h),
        left=run(luma.T, limit_w),
        right=run(luma.T[::-1], limit_w),
    )


def video_borders(images: list[np.ndarray], percentile: float = 20.0) -> Borders:
    """Bars that hold through the video: a low percentile of each side over the frames.

    A dark sky in one frame is not a bar; a bar is there in (nearly) every frame. And bars come
    in pairs: letterboxing, pillarboxing and a screen recording's frame put them on both sides of
    the picture, equally thick, so a flat band on one side only (a wall, a white background), or
    two of different widths, is picture.
    """
    if not images:
        return Borders()
    # Bars hold through the video, so a spread of up to 48 frames tells them as well as all.
    picks = np.unique(np.linspace(0, len(images) - 1, min(len(images), 48)).round().astype(int))
    found = np.array([list(_as_tuple(detect_borders(images[i]))) for i in picks])
    top, bottom, left, right = (
        int(x) for x in np.percentile(found, percentile, axis=0, method="lower")
    )
    top, bottom = _paired(top, bottom)
    left, right = _paired(left, right)
    return Borders(top, bottom, left, right)


def _paired(a: int, b: int) -> tuple[int, int]:
    """Both bars of a pair, or neither unless the two are (nearly) as thick as each other.

    Letterboxing, pillarboxing and a screen recording centre the picture, so their bars match
    to a pixel or two (compression blurs the edge); flat parts of a picture (a wall, the white
    margins of a photo) rarely do.
    """
    return (a, b) if min(a, b) > 0 and abs(a - b) <= max(2, 0.2 * max(a, b)) else (0, 0)


def _as_tuple(b: Borders) -> tuple[int, int, int, int]:
    return (b.top, b.bottom, b.left, b.right)


def thumbnail(image: np.ndarray, max_side: int = 320, quality: int = 85) -> bytes:
    """A JPEG of an RGB image, the same bytes for the same pixels (so content-addressable)."""
    im = Image.fromarray(image)
    im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()


def scene_changes(frames: list[SampledFrame], threshold: float = 0.25) -> list[SampledFrame]:
    """The first frame of each scene: frames whose grey histogram departs from the last kept one."""
    kept: list[SampledFrame] = []
    last: np.ndarray | None = None
    for f in frames:
        hist = np.histogram(f.image.mean(axis=2), bins=32, range=(0, 256))[0].astype(float)
        hist /= max(hist.sum(), 1.0)
        if last is None or 0.5 * np.abs(hist - last).sum() > threshold:
            kept.append(f)
            last = hist
    return kept

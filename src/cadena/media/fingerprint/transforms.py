"""Copies of a video as they circulate: re-encoded, rescaled, cropped, letterboxed, mirrored, with a
logo, sped up, cut to an excerpt, screen-recorded. Made with PyAV (libx264 + AAC), for the tests,
the benchmark and the demo; never applied to evidence.

Every transform re-encodes (as every real re-upload does). Each takes a seed so the benchmark can
draw several different copies of one kind (crop position, logo place, excerpt start, bitrate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw

from cadena.media.frames import open_media

Frame = np.ndarray
KINDS = (
    "reencode",
    "rescale",
    "crop5",
    "crop10",
    "crop10_offcentre",
    "letterbox",
    "mirror",
    "logo",
    "speed",
    "excerpt",
    "screen",
    "mirror_crop10_letterbox",
)


def read_video(path: str | Path) -> tuple[list[Frame], float, np.ndarray | None, int]:
    """All frames as RGB arrays, the frame rate, and the sound (float32 mono) with its rate."""
    with open_media(path) as c:
        v = c.streams.video[0]
        fps = float(v.average_rate or 25)
        images = [f.to_ndarray(format="rgb24") for f in c.decode(v)]
    sound, rate = None, 0
    with open_media(path) as c:
        if c.streams.audio:
            rate = 44100
            res = av.AudioResampler(format="flt", layout="mono", rate=rate)
            parts = [
                o.to_ndarray().reshape(-1)
                for f in c.decode(c.streams.audio[0])
                for o in res.resample(f)
            ]
            sound = np.concatenate(parts) if parts else None
    return images, fps, sound, rate


def write_video(
    path: str | Path,
    images: list[Frame],
    fps: float,
    bitrate: int = 1_000_000,
    sound: np.ndarray | None = None,
    rate: int = 44100,
    keyint: int | None = None,
) -> Path:
    """Encode RGB frames (and mono sound) as H.264 + AAC in MP4.

    `keyint`: at most that many frames between keyframes (libx264's default is 250).
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part.mp4")
    h, w = images[0].shape[:2]
    h, w = h - h % 2, w - w % 2
    rate_q = Fraction(fps).limit_denominator(1001)
    with av.open(str(tmp), "w") as out:
        options = {"preset": "veryfast"}
        if keyint:
            options["x264-params"] = f"keyint={keyint}"
        vs = out.add_stream("libx264", rate=rate_q, options=options)
        vs.width, vs.height, vs.pix_fmt, vs.bit_rate = w, h, "yuv420p", bitrate
        tb = 1 / rate_q  # the muxer may change the stream's time base; frames keep this one
        vs.time_base = tb
        aus = None
        if sound is not None and len(sound):
            aus = out.add_stream("aac", rate=rate, layout="mono")
            aus.bit_rate = 64_000
        for i, img in enumerate(images):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[:h, :w]), format="rgb24")
            frame.pts, frame.time_base = i, tb
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
        if aus is not None and sound is not None:
            _write_sound(out, aus, sound, rate)
    tmp.replace(path)  # a half-written copy never takes the real name
    return path


def _write_sound(
    out: av.container.OutputContainer, stream: av.AudioStream, sound: np.ndarray, rate: int
) -> None:
    chunk = 1024
    for i in range(0, len(sound), chunk):
        part = np.ascontiguousarray(sound[i : i + chunk], dtype=np.float32).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(part, format="flt", layout="mono")
        frame.sample_rate, frame.pts = rate, i
        frame.time_base = Fraction(1, rate)
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def _resize(img: Frame, w: int, h: int) -> Frame:
    return np.asarray(
        Image.fromarray(img).resize((max(2, w), max(2, h)), Image.Resampling.BILINEAR)
    )


def _crop(img: Frame, scale: float, ax: float, ay: float) -> Frame:
    h, w = img.shape[:2]
    ch, cw = round(h * scale), round(w * scale)
    y, x = round((h - ch) * ay), round((w - cw) * ax)
    return img[y : y + ch, x : x + cw]


def _logo(img: Frame, corner: int) -> Frame:
    im = Image.fromarray(img).convert("RGBA")
    w, h = im.size
    lw, lh = max(8, w // 6), max(6, h // 10)
    layer = Image.new("RGBA", im.size, (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    x = 8 if corner in (0, 2) else w - lw - 8
    y = 8 if corner in (0, 1) else h - lh - 8
    d.rectangle([x, y, x + lw, y + lh], fill=(255, 255, 255, 170))
    d.text((x + 4, y + 2), "NEWS 24", fill=(200, 0, 0, 255))
    return np.asarray(Image.alpha_composite(im, layer).convert("RGB"))


def _letterbox(img: Frame, ratio: float) -> Frame:
    """Put the picture in a canvas `ratio` times as tall, bars top and bottom (black)."""
    h, w = img.shape[:2]
    H = int(round(h * ratio)) // 2 * 2
    out = np.zeros((H, w, 3), dtype=np.uint8)
    top = (H - h) // 2
    out[top : top + h] = img
    return out


def _screen(img: Frame, rng: np.random.Generator) -> Frame:
    """A phone's screen recording of the video: scaled down in a grey frame with a status bar."""
    h, w = img.shape[:2]
    inner = _resize(img, int(w * 0.8) // 2 * 2, int(h * 0.8) // 2 * 2)
    out = np.full((h, w, 3), 34, dtype=np.uint8)
    out[: max(2, h // 20)] = (10, 10, 10)
    y = (h - inner.shape[0]) // 2
    x = (w - inner.shape[1]) // 2
    out[y : y + inner.shape[0], x : x + inner.shape[1]] = inner
    return out


def transform(
    src: str | Path, dst: str | Path, kind: str, seed: int = 0, keyint: int | None = None
) -> Path:
    """Write a copy of `src` made by `kind` (one of KINDS) to `dst` (`keyint`: see write_video)."""
    rng = np.random.default_rng(seed)
    images, fps, sound, rate = read_video(src)
    bitrate = int(rng.choice([250_000, 400_000, 700_000]))
    per_frame: Callable[[Frame], Frame] = lambda im: im  # noqa: E731
    if kind == "rescale":
        f = float(rng.choice([0.5, 0.6, 0.75]))
        per_frame = lambda im: _resize(im, int(im.shape[1] * f), int(im.shape[0] * f))  # noqa: E731
    elif kind in ("crop5", "crop10"):
        s = 0.95 if kind == "crop5" else 0.90
        per_frame = lambda im: _crop(im, s, 0.5, 0.5)  # noqa: E731
    elif kind == "crop10_offcentre":
        ax, ay = rng.uniform(0, 1, 2)
        per_frame = lambda im: _crop(im, 0.9, ax, ay)  # noqa: E731
    elif kind == "letterbox":
        ratio = float(rng.choice([1.2, 1.33, 1.5]))
        per_frame = lambda im: _letterbox(im, ratio)  # noqa: E731
    elif kind == "mirror":
        per_frame = lambda im: im[:, ::-1]  # noqa: E731
    elif kind == "logo":
        corner = int(rng.integers(0, 4))
        per_frame = lambda im: _logo(im, corner)  # noqa: E731
    elif kind == "screen":
        per_frame = lambda im: _screen(im, rng)  # noqa: E731
    elif kind == "mirror_crop10_letterbox":
        per_frame = lambda im: _letterbox(_crop(im[:, ::-1], 0.9, 0.5, 0.5), 1.33)  # noqa: E731
    elif kind == "speed":
        factor = float(rng.choice([1.25, 1.5]))
        keep = np.arange(0, len(images), factor).astype(int)
        images = [images[i] for i in keep]
        sound = None  # the pitch would change too; a sped-up copy is matched by picture
    elif kind == "excerpt":
        n = len(images)
        length = max(2, int(n * rng.uniform(0.35, 0.6)))
        start = int(rng.integers(0, n - length + 1))
        images = images[start : start + length]
        if sound is not None:
            a = int(start / fps * rate)
            sound = sound[a : a + int(length / fps * rate)]
    elif kind != "reencode":
        raise ValueError(f"unknown transform {kind!r}; one of {', '.join(KINDS)}")
    out = [per_frame(im) for im in images]
    return write_video(dst, out, fps, bitrate, sound, rate, keyint)


def ken_burns(
    photo: np.ndarray,
    seconds: float = 4.0,
    fps: int = 25,
    size: tuple[int, int] = (480, 270),
    seed: int = 0,
) -> Iterator[Frame]:
    """A slow pan and zoom across a still photo: a moving clip made of a real picture."""
    rng = np.random.default_rng(seed)
    h, w = photo.shape[:2]
    aspect = size[0] / size[1]
    n = int(seconds * fps)
    z0, z1 = rng.uniform(0.75, 0.95), rng.uniform(0.55, 0.75)
    (x0, y0), (x1, y1) = rng.uniform(0, 1, 2), rng.uniform(0, 1, 2)
    for i in range(n):
        t = i / max(n - 1, 1)
        z = z0 + (z1 - z0) * t
        cw = min(w, h * aspect) * z
        ch = cw / aspect
        x = (w - cw) * (x0 + (x1 - x0) * t)
        y = (h - ch) * (y0 + (y1 - y0) * t)
        im = Image.fromarray(photo).crop((int(x), int(y), int(x + cw), int(y + ch)))
        yield np.asarray(im.resize(size, Image.Resampling.BILINEAR).convert("RGB"))

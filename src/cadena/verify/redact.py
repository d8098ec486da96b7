"""Redaction: bystanders' faces blurred beyond recovery in stills and video excerpts.

Faces are found by OpenCV's Haar cascades, the models that ship inside the `opencv-python-headless`
wheel (`cv2.data.haarcascades`): nothing is downloaded at run time, and each model file's SHA-256
is recorded with the redaction. Frontal faces, and profiles facing either way (the profile model
is run on the mirrored picture too), and tilted heads (the frontal model also runs on the
picture turned by ±25°). Boxes drawn by hand (`x,y,w,h`, optionally only between two
times) cover what the detector missed; the detector can also be switched off.

A box is made unrecoverable, not merely soft: the region is averaged down to a few blocks, seeded
noise is added to those averages, and they are smoothed into each other, so neither deconvolution
nor "depixelisation" has the detail to work from. The result is a derivative (PNG for stills, H.264
MP4 for video excerpts, metadata stripped) naming this tool, its version and every parameter:
detector, thresholds, models, boxes. The original is only read.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from cadena.errors import CadenaError
from cadena.media import metadata as _metadata  # noqa: F401  (registers Pillow's HEIC opener)
from cadena.vault.case import Case
from cadena.vault.models import Metadata

TOOL = "cadena.verify.redact"
TOOL_VERSION = "0.1.0"
RGB = NDArray[np.uint8]
Progress = Callable[[float], None]  # fraction done, 0-1


@dataclass(frozen=True)
class Box:
    """A region to blur, in pixels of the picture as displayed; with t0/t1, only in that span."""

    x: int
    y: int
    w: int
    h: int
    t0: float | None = None
    t1: float | None = None
    source: str = "hand"  # hand | detector

    def active(self, t: float | None) -> bool:
        if t is None or self.t0 is None:
            return True
        return self.t0 <= t <= (self.t1 if self.t1 is not None else self.t0)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"x": self.x, "y": self.y, "w": self.w, "h": self.h}
        if self.t0 is not None:
            d["t0"], d["t1"] = self.t0, self.t1
        return d


def parse_box(text: str) -> Box:
    """`x,y,w,h` or `x,y,w,h@t0-t1` (seconds)."""
    area, _, span = text.partition("@")
    try:
        x, y, w, h = (int(round(float(v))) for v in area.split(","))
        t0 = t1 = None
        if span:
            a, _, b = span.partition("-")
            t0 = float(a)
            t1 = float(b) if b else t0
    except ValueError:
        raise CadenaError(
            f"{text!r} is not a box; write x,y,w,h in pixels (top left, width, height), "
            "optionally @t0-t1 in seconds: --box 40,60,120,90@2.0-4.5"
        ) from None
    if w <= 0 or h <= 0 or x < 0 or y < 0 or (t1 is not None and t0 is not None and t1 < t0):
        raise CadenaError(f"box {text!r}: x, y >= 0, w, h > 0 and t0 <= t1, please")
    return Box(x, y, w, h, t0, t1)


# -- detection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DetectorParams:
    """How faces are sought; every field is recorded with the redaction."""

    frontal: str = "haarcascade_frontalface_default.xml"
    profile: str | None = "haarcascade_profileface.xml"
    scale_factor: float = 1.1
    min_neighbors: int = 3  # low: a face missed is worse than a patch of wall blurred
    min_face_frac: float = 0.03  # smallest face sought, as a fraction of the picture's short side
    max_side: int = 720  # pictures are searched at most this large (speed); boxes scaled back
    # the frontal model also runs on the picture turned by these angles: it only knows upright
    # faces, and people tilt their heads (and phones) in footage
    tilts: tuple[float, ...] = (-25.0, 25.0)
    video_step: int = 2  # in video, faces are sought in one frame in this many (held between)
    pad: float = 0.2  # each found box grown by this fraction on every side (hair, ears, chin)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaceDetector:
    """OpenCV Haar cascades from the installed wheel; refuses clearly if they are not there."""

    def __init__(self, params: DetectorParams | None = None) -> None:
        import cv2  # imported here: only redaction needs OpenCV

        self.params = params or DetectorParams()
        self._cv2 = cv2
        self.models: dict[str, str] = {}
        self._frontal = self._load(self.params.frontal)
        self._profile = self._load(self.params.profile) if self.params.profile else None

    def _load(self, name: str) -> Any:
        cv2 = self._cv2
        folder = Path(getattr(getattr(cv2, "data", None), "haarcascades", "") or "")
        path = folder / name
        if not path.is_file():
            raise CadenaError(
                f"OpenCV's face model {name} is not installed (OpenCV {cv2.__version__}); install "
                "opencv-python-headless 4.x (`pip install 'opencv-python-headless>=4.8,<5'`), "
                "whose wheel ships it, or redact with --no-detect and --box"
            )
        self.models[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        return cv2.CascadeClassifier(str(path))

    def describe(self) -> dict[str, Any]:
        return {
            "name": "opencv-haar-cascades",
            "opencv": self._cv2.__version__,
            "models_sha256": dict(self.models),
            **self.params.as_dict(),
        }

    def detect(self, rgb: RGB) -> list[Box]:
        """Faces in an RGB picture, as padded boxes in its own pixels."""
        cv2, p = self._cv2, self.params
        h, w = rgb.shape[:2]
        scale = min(1.0, p.max_side / max(h, w))
        small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
        side = max(20, round(min(gray.shape) * p.min_face_frac))
        found = [tuple(r) for r in self._run(self._frontal, gray, side)]
        for angle in p.tilts:
            found += self._tilted(gray, angle, side)
        if self._profile is not None:
            found += [tuple(r) for r in self._run(self._profile, gray, side)]
            mirrored = self._run(self._profile, gray[:, ::-1].copy(), side)
            found += [(gray.shape[1] - x - bw, y, bw, bh) for x, y, bw, bh in mirrored]
        return [_padded(b, scale, p.pad, w, h) for b in _merge(found)]

    def _tilted(self, gray: NDArray[np.uint8], angle: float, side: int) -> list[tuple[int, ...]]:
        """Frontal faces in the picture turned by `angle`, as upright boxes in the original."""
        cv2 = self._cv2
        h, w = gray.shape
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        turned = cv2.warpAffine(gray, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
        back = cv2.invertAffineTransform(turn)
        boxes: list[tuple[int, ...]] = []
        for x, y, bw, bh in self._run(self._frontal, turned, side):
            corners = np.array([[x, y, 1], [x + bw, y, 1], [x, y + bh, 1], [x + bw, y + bh, 1]])
            pts = corners @ back.T
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        return boxes

    def _run(self, model: Any, gray: NDArray[np.uint8], side: int) -> list[Any]:
        hits = model.detectMultiScale(
            gray, scaleFactor=self.params.scale_factor, minNeighbors=self.params.min_neighbors,
            minSize=(side, side),
        )  # fmt: skip
        return [list(map(int, r)) for r in hits] if len(hits) else []


def _merge(boxes: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Overlapping detections (frontal and profile of one face) become their union."""
    merged: list[list[int]] = []
    for x, y, w, h in sorted(boxes, key=lambda b: -b[2] * b[3]):
        for m in merged:
            if _overlap((x, y, w, h), tuple(m)) > 0.3:
                x1, y1 = min(m[0], x), min(m[1], y)
                x2, y2 = max(m[0] + m[2], x + w), max(m[1] + m[3], y + h)
                m[:] = [x1, y1, x2 - x1, y2 - y1]
                break
        else:
            merged.append([x, y, w, h])
    return [tuple(m) for m in merged]


def _overlap(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / max(1, min(a[2] * a[3], b[2] * b[3]))


def _padded(b: tuple[int, ...], scale: float, pad: float, w: int, h: int) -> Box:
    x, y, bw, bh = (v / scale for v in b)
    x0, y0 = max(0, round(x - pad * bw)), max(0, round(y - pad * bh))
    x1, y1 = min(w, round(x + bw * (1 + pad))), min(h, round(y + bh * (1 + pad)))
    return Box(x0, y0, x1 - x0, y1 - y0, source="detector")


# -- blurring ---------------------------------------------------------------------------------

BLOCKS = 4  # a face is averaged down to at most this many blocks across
NOISE_SD = 6.0  # grey levels of noise added to each block's average


def obscure(rgb: RGB, boxes: Iterable[Box], seed: int = 0) -> RGB:
    """A copy of the picture with every box made unrecoverable; pixels outside boxes untouched."""
    out = rgb.copy()
    h, w = out.shape[:2]
    rng = np.random.default_rng(seed)
    for b in boxes:
        x0, y0 = min(max(0, b.x), w), min(max(0, b.y), h)
        x1, y1 = min(w, b.x + b.w), min(h, b.y + b.h)
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = _destroy(out[y0:y1, x0:x1], rng)
    return out


def _destroy(patch: RGB, rng: np.random.Generator) -> RGB:
    import cv2

    ph, pw = patch.shape[:2]
    bx, by = max(1, min(BLOCKS, pw)), max(1, min(BLOCKS, ph))
    coarse = cv2.resize(patch, (bx, by), interpolation=cv2.INTER_AREA).astype(np.float32)
    # noise on the block averages: even they cannot be read back exactly
    coarse += np.asarray(rng.normal(0, NOISE_SD, coarse.shape), dtype=np.float32)
    up = cv2.resize(coarse, (pw, ph), interpolation=cv2.INTER_LINEAR)
    sigma = max(pw, ph) / 6
    noisy = np.asarray(cv2.GaussianBlur(up, (0, 0), sigmaX=sigma, sigmaY=sigma), np.float32)
    return np.clip(noisy, 0, 255).astype(np.uint8)


# -- items ------------------------------------------------------------------------------------


@dataclass
class Redaction:
    """What a redaction made and what it covered."""

    item: str
    derivative: str
    media_type: str
    kind: str  # still | excerpt
    boxes: list[dict[str, Any]] = field(default_factory=list)  # each with its time when a video
    frames: int = 1
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def redact(
    case: Case,
    item_ref: str,
    *,
    at: float | None = None,
    start: float | None = None,
    end: float | None = None,
    boxes: Iterable[Box] = (),
    detect: bool = True,
    detector: DetectorParams | None = None,
    progress: Progress | None = None,
    audio: bool = True,
) -> Redaction:
    """Blur the faces of an image item, or of a frame (`at`) or an excerpt (`start`-`end`) of a
    video item, and store the result as a derivative of the item. An excerpt keeps its sound
    (re-encoded to AAC) unless `audio` is False (voices can identify people too)."""
    hand = list(boxes)
    finder = FaceDetector(detector) if detect else None
    if not detect and not hand:
        raise CadenaError("nothing to blur: with --no-detect, give at least one --box x,y,w,h")
    with case.session(write=False) as s:
        item = case.resolve_item(s, item_ref)
        meta = s.get(Metadata, item.sha256)
        norm = dict(meta.normalized) if meta else {}
        sha, kind = item.sha256, item.kind
    path = case.blobs.local_path(sha)
    params: dict[str, Any] = {
        "detector": finder.describe() if finder else None,
        "hand_boxes": [b.as_dict() for b in hand],
        "blur": {"method": "block-average+gaussian+noise", "blocks": BLOCKS, "noise_sd": NOISE_SD},
    }
    seed = int(sha[:8], 16)
    data: bytes | Path
    if kind == "image":
        if at is not None or start is not None or end is not None:
            raise CadenaError("--at, --from and --to are for videos; this item is an image")
        data, found = _still(path, hand, finder, seed)
        media_type, out_kind, frames = "image/png", "still", 1
    elif kind == "video":
        rotation = int(norm.get("rotation_deg") or 0)
        params["rotation_deg"] = rotation
        if at is not None:
            if start is not None or end is not None:
                raise CadenaError("give either --at T (a still) or --from/--to (an excerpt)")
            params["at"] = at
            data, found = _video_still(path, at, rotation, hand, finder, seed)
            media_type, out_kind, frames = "image/png", "still", 1
        else:
            t0, t1 = _span(start, end, norm.get("duration_s"))
            params["from"], params["to"] = t0, t1
            params["audio"] = "aac, the excerpt's sound" if audio else "dropped"
            data, found, frames = _excerpt(
                path, t0, t1, rotation, hand, finder, seed, progress, audio
            )
            media_type, out_kind = "video/mp4", "excerpt"
    else:
        raise CadenaError(
            f"this item is {kind} ({item.media_type}); redaction works on images and videos"
        )
    with case.session() as s:
        d = case.add_derivative(
            s, sha, data, kind=f"redacted-{out_kind}", tool=TOOL, tool_version=TOOL_VERSION,
            params=params, media_type=media_type,
        )  # fmt: skip
        derived = d.sha256
    if isinstance(data, Path):
        data.unlink(missing_ok=True)
    return Redaction(sha, derived, media_type, out_kind, found, frames, params)


def _span(start: float | None, end: float | None, duration: Any) -> tuple[float, float]:
    t0 = float(start or 0.0)
    known = float(duration) if isinstance(duration, int | float) else None
    t1 = float(end) if end is not None else known
    if t1 is None:
        raise CadenaError("the video's duration is unknown: give --to T as the excerpt's end")
    if t0 < 0 or t1 <= t0:
        raise CadenaError(f"an excerpt from {t0} s to {t1} s is empty; --to must follow --from")
    if known is not None and t0 >= known:
        raise CadenaError(f"the video lasts {known:.2f} s; --from {t0} is past its end")
    return t0, t1


def _check_hand(hand: list[Box], rgb: RGB) -> None:
    """A hand box that misses the picture is a typo; say so rather than blur nothing."""
    h, w = rgb.shape[:2]
    for b in hand:
        if b.x >= w or b.y >= h:
            raise CadenaError(
                f"box {b.x},{b.y},{b.w},{b.h} lies outside the {w}x{h} picture (as displayed); "
                "nothing was redacted"
            )


def _boxes_for(
    rgb: RGB, t: float | None, hand: list[Box], finder: FaceDetector | None
) -> list[Box]:
    found = finder.detect(rgb) if finder else []
    return found + [b for b in hand if b.active(t)]


def _still(
    path: Path, hand: list[Box], finder: FaceDetector | None, seed: int
) -> tuple[bytes, list[dict[str, Any]]]:
    try:
        with Image.open(path) as im:
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise CadenaError(f"the image could not be decoded ({exc}); nothing was redacted") from None
    _check_hand(hand, rgb)
    boxes = _boxes_for(rgb, None, hand, finder)
    return _png(obscure(rgb, boxes, seed)), _listed(boxes, None)


def _png(rgb: RGB) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")  # no metadata: a published copy carries no GPS
    return buf.getvalue()


def _listed(boxes: list[Box], t: float | None) -> list[dict[str, Any]]:
    return [
        {**b.as_dict(), "source": b.source, **({"t": t} if t is not None else {})} for b in boxes
    ]


def _frames(path: Path, start: float, rotation: int) -> Iterator[tuple[float, RGB, Any]]:
    """(time, displayed RGB picture, stream) from `start` on, decoded by PyAV."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise CadenaError("the item has no video stream to redact")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            if start > 0 and stream.time_base:
                container.seek(int(start / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time is None or frame.time + 1e-6 < start:
                    continue
                rgb = cast(RGB, frame.to_ndarray(format="rgb24"))
                if rotation % 360:
                    rgb = cast(RGB, np.ascontiguousarray(np.rot90(rgb, k=-(rotation // 90))))
                yield float(frame.time), rgb, stream
    except av.FFmpegError as exc:
        raise CadenaError(f"the video could not be decoded ({exc}); nothing was redacted") from None


def _video_still(
    path: Path, at: float, rotation: int, hand: list[Box], finder: FaceDetector | None, seed: int
) -> tuple[bytes, list[dict[str, Any]]]:
    for t, rgb, _ in _frames(path, at, rotation):
        _check_hand(hand, rgb)
        boxes = _boxes_for(rgb, t, hand, finder)
        return _png(obscure(rgb, boxes, seed)), _listed(boxes, t)
    raise CadenaError(f"no frame at {at} s: the video is shorter")


def _excerpt(
    path: Path,
    t0: float,
    t1: float,
    rotation: int,
    hand: list[Box],
    finder: FaceDetector | None,
    seed: int,
    progress: Progress | None,
    audio: bool = True,
) -> tuple[Path, list[dict[str, Any]], int]:
    """Decode t0-t1, blur, encode H.264 (and the sound of t0-t1 as AAC, unless `audio` is off).

    Detections are held for HOLD_S on each side, so a face
    the detector misses for a few frames stays covered; that needs the detections first, hence
    two passes over the excerpt (memory stays flat whatever its length)."""
    detections: list[tuple[float, list[Box]]] = []
    if finder is not None:
        for i, (t, rgb, _) in enumerate(_frames(path, t0, rotation)):
            if t >= t1:  # the span is [t0, t1)
                break
            if i % max(1, finder.params.video_step) == 0:
                detections.append((t, finder.detect(rgb)))
            if progress:
                progress(0.5 * (t - t0) / (t1 - t0))
    tmp = Path(tempfile.mkstemp(suffix=".mp4", prefix="cadena-redact-")[1])
    listed: list[dict[str, Any]] = []
    n = 0
    out = av.open(str(tmp), "w", format="mp4")
    try:
        vs = None
        for t, rgb, stream in _frames(path, t0, rotation):
            if t >= t1:  # the span is [t0, t1)
                break
            rgb = rgb[: rgb.shape[0] - rgb.shape[0] % 2, : rgb.shape[1] - rgb.shape[1] % 2]
            if vs is None:
                _check_hand(hand, rgb)
                vs, tb = _video_out(out, stream, rgb)
                sound = _audio_out(out, path) if audio else None
            boxes = _held(detections, t) + [b for b in hand if b.active(t)]
            boxes = list(dict.fromkeys(Box(b.x, b.y, b.w, b.h, source=b.source) for b in boxes))
            listed += _listed(boxes, t)  # what was blurred in this frame, exactly
            frame = av.VideoFrame.from_ndarray(obscure(rgb, boxes, seed + n), format="rgb24")
            frame.pts, frame.time_base = n, tb
            out.mux(vs.encode(frame.reformat(format="yuv420p")))
            n += 1
            if progress:
                progress(0.5 + 0.5 * (t - t0) / (t1 - t0) if finder else (t - t0) / (t1 - t0))
        if vs is None:
            raise CadenaError(f"no frame between {t0} s and {t1} s")
        out.mux(vs.encode(None))
        if sound is not None:
            _copy_sound(out, sound, path, t0, t1)
    except BaseException:
        out.close()
        tmp.unlink(missing_ok=True)
        raise
    out.close()
    return tmp, _compact(listed), n


def _audio_out(out: Any, path: Path) -> Any | None:
    """An AAC stream for the excerpt's sound, when the item has sound."""
    with av.open(str(path)) as c:
        if not c.streams.audio:
            return None
        src = c.streams.audio[0]
        rate, channels = src.rate or 48_000, src.channels or 1
    return out.add_stream("aac", rate=rate, layout="mono" if channels == 1 else "stereo")


def _copy_sound(out: Any, sound: Any, path: Path, t0: float, t1: float) -> None:
    """The item's sound from t0 to t1, cut to the sample, re-encoded to AAC."""
    resampler = av.AudioResampler(
        format="fltp", layout=sound.layout.name, rate=sound.rate, frame_size=1024
    )
    done = 0
    with av.open(str(path)) as c:
        src = c.streams.audio[0]
        if t0 > 0 and src.time_base:
            c.seek(int(t0 / src.time_base), stream=src, backward=True)
        for frame in c.decode(src):
            if frame.time is None or frame.time >= t1:
                break
            piece = _cut(frame, t0, t1)
            for part in resampler.resample(piece) if piece is not None else []:
                part.pts, part.time_base = done, Fraction(1, sound.rate)
                done += part.samples
                out.mux(sound.encode(part))
    for part in resampler.resample(None):
        part.pts, part.time_base = done, Fraction(1, sound.rate)
        done += part.samples
        out.mux(sound.encode(part))
    out.mux(sound.encode(None))


def _cut(frame: Any, t0: float, t1: float) -> Any | None:
    """The samples of an audio frame that fall within t0-t1 (None when none do)."""
    rate, start = frame.sample_rate, float(frame.time)
    first = max(0, round((t0 - start) * rate))
    last = min(frame.samples, round((t1 - start) * rate))
    if last <= first:
        return None
    if first == 0 and last == frame.samples:
        frame.pts = None
        return frame
    samples = frame.to_ndarray()
    kept = (
        samples[:, first:last]
        if frame.format.is_planar
        else samples[:, first * len(frame.layout.channels) : last * len(frame.layout.channels)]
    )
    piece = av.AudioFrame.from_ndarray(
        np.ascontiguousarray(kept), format=frame.format.name, layout=frame.layout.name
    )
    piece.sample_rate = rate
    return piece


HOLD_S = 0.5  # a detection also covers the frames this close to it
BRIDGE_S = 1.5  # a face found before and after a gap this short is followed through it


def _held(detections: list[tuple[float, list[Box]]], t: float) -> list[Box]:
    """The boxes covering a frame at `t`: detections within HOLD_S, plus, across a short gap in
    detection (a turned or tilted head), boxes moved linearly from the last sighting of a face
    to its next one."""
    near = [
        Box(b.x, b.y, b.w, b.h, td, td, "detector")
        for td, found in detections
        if abs(td - t) <= HOLD_S
        for b in found
    ]
    before = [(td, f) for td, f in detections if td <= t and f and t - td <= BRIDGE_S]
    after = [(td, f) for td, f in detections if td >= t and f and td - t <= BRIDGE_S]
    if not before or not after:
        return near
    (ta, boxes_a), (tb, boxes_b) = before[-1], after[0]
    k = (t - ta) / (tb - ta) if tb > ta else 0.0
    for a in boxes_a:
        for b in boxes_b:
            if _overlap((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h)) > 0.2:
                x, y, w, h = (
                    round(u + k * (v - u))
                    for u, v in zip((a.x, a.y, a.w, a.h), (b.x, b.y, b.w, b.h), strict=True)
                )
                near.append(Box(x, y, w, h, source="detector"))
    return near


def _compact(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return listed[:10_000]  # a record, not a dump: long excerpts keep the first 10,000 boxes


def _video_out(out: Any, stream: Any, rgb: RGB) -> tuple[Any, Fraction]:
    rate = Fraction(stream.average_rate or stream.guessed_rate or 25).limit_denominator(100_000)
    vs = out.add_stream("libx264", rate=rate)
    h, w = rgb.shape[:2]
    vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
    vs.options = {"preset": "veryfast", "crf": "18", "x264-params": "threads=1:lookahead-threads=1"}
    vs.thread_count = 1  # one thread: the same input gives the same bytes (a stable derivative)
    return cast(Any, vs), 1 / rate

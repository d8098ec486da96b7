"""Cadena's video fingerprint: PDQ of sampled frames after bars are removed, over several crops.

PDQ alone is global: a 10% crop moves it by over 100 of 256 bits, a letterbox by about 100, a mirror
by about 128. So, for every sampled frame:

- uniform bars (letterbox, pillarbox, a screen recording's frame) are found over the whole video
  and cut away first;
- PDQ is taken of the whole picture and of fixed crops of it (centre 95%, centre 90% and the four
  90% corners); a copy cropped by that much matches the original's crop, and the original matches
  a cropped copy's whole picture through the copy's own crops;
- all eight rotations and flips are kept, so a mirrored or turned copy matches too.

The index holds only the upright codes; queries use the mirror and the rotations (see
`query_codes`). Frames with PDQ quality under 50 (flat, dark) are not used to match, unless the
video has fewer than two better ones: then frames of quality 25 or more are used, with a tighter
radius.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cadena.media import frames
from cadena.media.fingerprint import pdq

KIND = "video-pdq"
VERSION = "1"
MIN_QUALITY = 50
# A video with fewer than two frames of quality 50 (low contrast, fog, night) falls back on its
# frames of quality >= WEAK_QUALITY, whose hits must then be much closer (see match.WEAK_RADIUS).
WEAK_QUALITY = 25
#: name, scale, horizontal anchor, vertical anchor
CROPS: tuple[tuple[str, float, float, float], ...] = (
    ("full", 1.0, 0.5, 0.5),
    ("centre95", 0.95, 0.5, 0.5),
    ("centre90", 0.9, 0.5, 0.5),
    ("topleft90", 0.9, 0.0, 0.0),
    ("topright90", 0.9, 1.0, 0.0),
    ("bottomleft90", 0.9, 0.0, 1.0),
    ("bottomright90", 0.9, 1.0, 1.0),
)
UPRIGHT, MIRROR = 0, pdq.MIRROR


@dataclass
class VideoFingerprint:
    times: np.ndarray  # (n,) float32 seconds
    quality: np.ndarray  # (n,) uint8
    codes: np.ndarray  # (n, len(CROPS), 8, 32) uint8
    duration: float = 0.0
    borders: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # top, bottom, left, right
    params: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.times)

    @property
    def usable(self) -> np.ndarray:
        good = np.flatnonzero(self.quality >= MIN_QUALITY)
        return good if len(good) >= 2 else np.flatnonzero(self.quality >= WEAK_QUALITY)

    def index_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upright codes of usable frames: (codes (k, 32), frame (k,), crop (k,))."""
        use = self.usable
        n_crops = self.codes.shape[1]
        codes = self.codes[use][:, :, UPRIGHT, :].reshape(-1, 32)
        frame = np.repeat(use, n_crops)
        crop = np.tile(np.arange(n_crops), len(use))
        return codes, frame, crop

    def query_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Codes to look up: every crop upright and mirrored, the whole picture in all 8 ways.

        Returns (codes, frame, crop, orientation).
        """
        use = self.usable
        rows = [(c, o) for c in range(self.codes.shape[1]) for o in (UPRIGHT, MIRROR)]
        rows += [(0, o) for o in range(8) if o not in (UPRIGHT, MIRROR)]
        crop = np.array([r[0] for r in rows])
        orient = np.array([r[1] for r in rows])
        codes = self.codes[use][:, crop, orient, :].reshape(-1, 32)
        return (
            codes,
            np.repeat(use, len(rows)),
            np.tile(crop, len(use)),
            np.tile(orient, len(use)),
        )

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        np.savez_compressed(
            out,
            times=self.times,
            quality=self.quality,
            codes=self.codes,
            duration=np.float64(self.duration),
            borders=np.array(self.borders, dtype=np.float64),
        )
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, params: dict[str, Any] | None = None) -> VideoFingerprint:
        z = np.load(io.BytesIO(data))
        borders = tuple(float(x) for x in z["borders"])
        return cls(
            z["times"],
            z["quality"],
            z["codes"],
            float(z["duration"]),
            (borders[0], borders[1], borders[2], borders[3]),
            params or {},
        )


def crop(image: np.ndarray, scale: float, ax: float, ay: float) -> np.ndarray:
    h, w = image.shape[:2]
    ch, cw = max(1, round(h * scale)), max(1, round(w * scale))
    y, x = round((h - ch) * ay), round((w - cw) * ax)
    return image[y : y + ch, x : x + cw]


def hash_image(image: np.ndarray) -> tuple[np.ndarray, int]:
    """(len(CROPS), 8, 32) codes of one picture (bars already removed) and its PDQ quality."""
    out = np.zeros((len(CROPS), 8, 32), dtype=np.uint8)
    quality = 0
    for i, (_, scale, ax, ay) in enumerate(CROPS):
        part = crop(image, scale, ax, ay)
        if min(part.shape[:2]) < pdq.MIN_SIDE:
            continue
        out[i], q = pdq.pdq_dihedral(part)
        if i == 0:
            quality = q
    return out, quality


def from_frames(
    sampled: list[frames.SampledFrame], duration: float = 0.0, params: dict[str, Any] | None = None
) -> VideoFingerprint:
    """Fingerprint sampled frames: bars found over all of them, then each frame hashed."""
    images = [f.image for f in sampled]
    bars = frames.video_borders(images)
    n = len(sampled)
    codes = np.zeros((n, len(CROPS), 8, 32), dtype=np.uint8)
    quality = np.zeros(n, dtype=np.uint8)
    for i, img in enumerate(images):
        codes[i], quality[i] = hash_image(bars.crop(img))
    h, w = images[0].shape[:2] if images else (1, 1)
    return VideoFingerprint(
        np.array([f.time for f in sampled], dtype=np.float32),
        quality,
        codes,
        duration,
        bars.fractions(h, w),
        params or {},
    )


def fingerprint_video(
    path: str | Path,
    *,
    max_gap: float = 1.0,
    step: float = 0.125,
    keyframes_only: bool = False,
    max_side: int = 320,
) -> VideoFingerprint:
    """Sample a video's frames (keyframes where they suffice) and fingerprint them."""
    params = {
        "max_gap": max_gap,
        "step": step,
        "keyframes_only": keyframes_only,
        "max_side": max_side,
        "crops": [c[0] for c in CROPS],
        "version": VERSION,
    }
    sampled = frames.sample_frames(
        path, max_gap=max_gap, step=step, keyframes_only=keyframes_only, max_side=max_side
    )
    duration = frames.probe(path).duration
    return from_frames(sampled, duration, params)


def fingerprint_image(image: np.ndarray, max_side: int = 320) -> VideoFingerprint:
    """A still image as a one-frame fingerprint, so photos and frames match videos."""
    from PIL import Image

    im = Image.fromarray(image)
    im.thumbnail((max_side, max_side), Image.Resampling.BOX)
    sampled = [frames.SampledFrame(0.0, True, np.asarray(im.convert("RGB")))]
    return from_frames(sampled, 0.0, {"max_side": max_side, "version": VERSION, "image": True})

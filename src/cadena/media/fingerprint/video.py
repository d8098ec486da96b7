"""Cadena's video fingerprint: PDQ of sampled frames after bars are removed, over several crops.

PDQ alone is global: a 10% crop moves it by over 100 of 256 bits, a letterbox by about 100, a mirror
by about 128. So, for every sampled frame:

- uniform bars (letterbox, pillarbox, a screen recording's frame) are found over the whole video
  and cut away first;
- PDQ is taken of the whole picture and of fixed crops of it (centre 95%, centre 90% and the four
  90% corners); a copy cropped by that much matches the original's crop, and the original matches
  a cropped copy's whole picture through the copy's own crops;
- all eight rotations and flips are kept, so a mirrored or turned copy matches too;
- for the index only, 90% windows on a grid of positions (`GRID_STEPS` = 7 a side, neighbours
  1.7% of the picture apart): a copy cropped off-centre, as re-uploads are, matches the window
  nearest its own position (PDQ moves by about 31 bits when a window shifts by 1.25% of the
  picture, so the grid must be that fine; 5 a side left a tenth of such copies unmatched).

The index holds only the upright codes; queries use the mirror and the rotations (see
`query_codes`). Frames with PDQ quality under 25 (flat, dark) are not used to match; those under
50 match only at a much tighter radius. (A hard cut at 50 split videos whose frames hover about
it: a copy kept frames its original had dropped.)
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
VERSION = "2"  # 2: frames decoded without non-reference frames, keyframes only up to 2 s apart
MIN_QUALITY = 50
# Frames of quality WEAK_QUALITY to MIN_QUALITY (low contrast, fog, night) are used too, but their
# hits must be much closer (see match.WEAK_RADIUS).
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
#: 90% windows at GRID_STEPS x GRID_STEPS positions (those already in CROPS left out), indexed
#: under one crop label, GRID_LABEL: a hit on any of them says "cropped", which is all that matters.
GRID_STEPS = 7
GRID_SCALE = 0.9
GRID_LABEL = len(CROPS)
GRID: tuple[tuple[float, float], ...] = tuple(
    (float(ax), float(ay))
    for ay in np.linspace(0, 1, GRID_STEPS)
    for ax in np.linspace(0, 1, GRID_STEPS)
    if not any(s == GRID_SCALE and (ax, ay) == (cx, cy) for _, s, cx, cy in CROPS)
)


@dataclass
class VideoFingerprint:
    times: np.ndarray  # (n,) float32 seconds
    quality: np.ndarray  # (n,) uint8
    codes: np.ndarray  # (n, len(CROPS), 8, 32) uint8
    duration: float = 0.0
    borders: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # top, bottom, left, right
    params: dict[str, Any] = field(default_factory=dict)
    grid: np.ndarray | None = None  # (n, len(GRID), 32) uint8, upright only

    def __len__(self) -> int:
        return len(self.times)

    @property
    def usable(self) -> np.ndarray:
        """Frames to match on: PDQ quality WEAK_QUALITY or more (hits on a frame under
        MIN_QUALITY must be much closer: see match.WEAK_RADIUS)."""
        return np.flatnonzero(self.quality >= WEAK_QUALITY)

    def index_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upright codes of usable frames: (codes (k, 32), frame (k,), crop (k,))."""
        use = self.usable
        n_crops = self.codes.shape[1]
        codes = self.codes[use][:, :, UPRIGHT, :]
        crop = np.tile(np.arange(n_crops), (len(use), 1))
        if self.grid is not None and self.grid.shape[1]:
            codes = np.concatenate([codes, self.grid[use]], axis=1)
            crop = np.concatenate([crop, np.full((len(use), self.grid.shape[1]), GRID_LABEL)], 1)
        frame = np.repeat(use, codes.shape[1])
        return codes.reshape(-1, 32), frame, crop.reshape(-1)

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
            grid=self.grid if self.grid is not None else np.zeros((0, 0, 32), np.uint8),
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
            z["grid"] if "grid" in z.files and z["grid"].size else None,
        )


def windows(height: int, width: int) -> list[tuple[int, ...]]:
    """(y, h, x, w) of every crop in `CROPS`, then every window of `GRID`, for that size."""
    crops = [pdq.crop_windows(height, width, scale, ax, ay) for _, scale, ax, ay in CROPS]
    grid = [pdq.crop_windows(height, width, GRID_SCALE, ax, ay) for ax, ay in GRID]
    return crops + grid


def hash_images(images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes of pictures (RGB or luma, bars already removed): (n, len(CROPS), 8, 32) in every
    orientation, (n, len(GRID), 32) upright, and PDQ quality (n,).

    Pictures of one size are hashed together, a chunk at a time (see `pdq.dct_crops`).
    """
    n, k = len(images), len(CROPS)
    codes = np.zeros((n, k, 8, 32), dtype=np.uint8)
    grid = np.zeros((n, len(GRID), 32), dtype=np.uint8)
    quality = np.zeros(n, dtype=np.uint8)
    by_size: dict[tuple[int, ...], list[int]] = {}
    for i, img in enumerate(images):
        by_size.setdefault(img.shape, []).append(i)
    for shape, members in by_size.items():
        wins = windows(shape[0], shape[1])
        for start in range(0, len(members), _CHUNK):
            part = members[start : start + _CHUNK]
            dct, q = pdq.dct_crops(pdq.luma(np.stack([images[i] for i in part])), wins)
            codes[part] = pdq.bits_of(pdq.dihedral_dcts(dct[:, :k]))
            grid[part] = pdq.bits_of(dct[:, k:])
            quality[part] = q
            small = [c for c, w in enumerate(wins) if min(w[1], w[3]) < pdq.MIN_SIDE]
            for c in small:  # PDQ gives nothing for a sliver
                (codes[part, c] if c < k else grid[part, c - k]).fill(0)
    return codes, grid, quality


_CHUNK = 64  # frames hashed at once: big enough for fast matrix products, small in memory


def from_frames(
    sampled: list[frames.SampledFrame], duration: float = 0.0, params: dict[str, Any] | None = None
) -> VideoFingerprint:
    """Fingerprint sampled frames: bars found over all of them, then each frame hashed."""
    # The decoder's luma where the sampler kept it (cheaper, and PDQ hashes luma anyway).
    images = [f.luma if f.luma is not None else f.image for f in sampled]
    bars = frames.video_borders(images)
    codes, grid, quality = hash_images([bars.crop(img) for img in images])
    h, w = images[0].shape[:2] if images else (1, 1)
    return VideoFingerprint(
        np.array([f.time for f in sampled], dtype=np.float32),
        quality,
        codes,
        duration,
        bars.fractions(h, w),
        params or {},
        grid,
    )


def params(
    max_gap: float = frames.MAX_GAP,
    step: float = frames.STEP,
    keyframes_only: bool = False,
    max_side: int = 320,
) -> dict[str, Any]:
    """What a fingerprint was made with (stored beside it): the sampling, crops and version."""
    return {
        "max_gap": max_gap,
        "step": step,
        "keyframes_only": keyframes_only,
        "max_side": max_side,
        "crops": [c[0] for c in CROPS],
        "grid": GRID_STEPS,
        "version": VERSION,
        "frames": f"{frames.TOOL} {frames.TOOL_VERSION}",  # which frames the sampling keeps
    }


def fingerprint_video(
    path: str | Path,
    *,
    max_gap: float = frames.MAX_GAP,
    step: float = frames.STEP,
    keyframes_only: bool = False,
    max_side: int = 320,
) -> VideoFingerprint:
    """Sample a video's frames (keyframes where they suffice) and fingerprint them."""
    sampled = frames.sample_frames(
        path, max_gap=max_gap, step=step, keyframes_only=keyframes_only, max_side=max_side
    )
    duration = frames.probe(path).duration
    return from_frames(sampled, duration, params(max_gap, step, keyframes_only, max_side))


def fingerprint_image(image: np.ndarray, max_side: int = 320) -> VideoFingerprint:
    """A still image as a one-frame fingerprint, so photos and frames match videos."""
    from PIL import Image

    im = Image.fromarray(image).convert("RGB")
    # The working size of video frames (see frames._to_luma), small pictures scaled up alike.
    scale = max_side / max(im.size)
    size = (max(2, round(im.size[0] * scale)), max(2, round(im.size[1] * scale)))
    im = im.resize(size, Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR)
    sampled = [frames.SampledFrame(0.0, True, np.asarray(im))]
    return from_frames(sampled, 0.0, {"max_side": max_side, "version": VERSION, "image": True})

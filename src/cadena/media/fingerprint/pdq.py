"""PDQ hashes (Meta's perceptual image hash, 256 bits) via `pdqhash`.

A hash is kept as 32 bytes (numpy uint8), most significant bit first, so its hex form is the one
PDQ and vPDQ tools print and exchange.
"""

from __future__ import annotations

import numpy as np
import pdqhash
from scipy import ndimage

TOOL = "pdqhash"
#: The orientations `pdqhash.compute_dihedral` returns, in its order.
DIHEDRAL = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_x",
    "flip_y",
    "flip_plus1",
    "flip_minus1",
)
MIRROR = DIHEDRAL.index("flip_y")  # left-right mirror, the flip that re-uploads make
MIN_SIDE = 5  # PDQ refuses smaller images
_POP = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _pack(bits: np.ndarray) -> np.ndarray:
    """pdqhash's bit array is already in the order of the hex form (checked against vpdq)."""
    return np.packbits(bits.astype(np.uint8))


def pdq(image: np.ndarray) -> tuple[np.ndarray, int]:
    """PDQ hash (32 bytes) and quality (0-100) of an RGB uint8 image."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(image))
    return _pack(bits), int(quality)


def pdq_dihedral(image: np.ndarray) -> tuple[np.ndarray, int]:
    """The eight dihedral PDQ hashes (8 x 32 bytes, order `DIHEDRAL`) at the cost of one."""
    hashes, quality = pdqhash.compute_dihedral(np.ascontiguousarray(image))
    return np.stack([_pack(h) for h in hashes]), int(quality)


def to_hex(code: np.ndarray) -> str:
    return bytes(code).hex()


def from_hex(text: str) -> np.ndarray:
    raw = bytes.fromhex(text.strip())
    if len(raw) != 32:
        raise ValueError(f"a PDQ hash has 64 hex digits, not {len(text.strip())}")
    return np.frombuffer(raw, dtype=np.uint8).copy()


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distance between codes (..., 32 bytes), broadcasting."""
    return _POP[np.bitwise_xor(a, b)].sum(axis=-1, dtype=np.int32)


# --- Many crops of many frames at once -------------------------------------------------------
#
# PDQ blurs the picture (two passes of Jarosz box filters whose width depends on the picture's
# size), samples it at 64 x 64 points, and takes a 16 x 16 DCT. The crops of one frame are within
# a few percent of its size, so they share the blur's width: the frame is blurred once and each
# crop is just sampled from it, which makes a crop cost a gather and two 64 x 64 matrix products
# instead of a full PDQ. For the whole picture this is PDQ exactly (the bits `pdqhash` gives but
# where a coefficient lies within float rounding of the median); for a crop it differs from PDQ of
# the cut-out only in that its outermost samples see a pixel or two beyond the cut.

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _dct_matrix() -> np.ndarray:
    i = np.arange(1, 17)[:, None]
    j = np.arange(64)[None, :]
    return (np.sqrt(2.0 / 64) * np.cos(np.pi / 2 / 64 * i * (2 * j + 1))).astype(np.float32)


_DCT = _dct_matrix()


def _jarosz_window(n: int) -> int:
    return (n + 2 * 64 - 1) // (2 * 64)


def _box(a: np.ndarray, window: int, axis: int) -> np.ndarray:
    """PDQ's box filter along one axis (box1DFloat): output i averages inputs i - before ..
    i - before + window - 1, fewer at the ends where the window runs off the picture."""
    n = a.shape[axis]
    before = window - (window + 2) // 2
    # uniform_filter1d's output i covers inputs from i - window // 2 - origin; zeros outside the
    # picture, so the sums are rescaled by how many inputs each really had.
    out = ndimage.uniform_filter1d(
        a, window, axis=axis, mode="constant", origin=before - window // 2
    )
    idx = np.arange(n)
    count = np.minimum(idx - before + window, n) - np.maximum(idx - before, 0)
    shape = [1] * a.ndim
    shape[axis] = n
    out *= (window / count).astype(np.float32).reshape(shape)
    return out


def _blur(lum: np.ndarray, across: int, down: int) -> np.ndarray:
    """PDQ's tent filter (two passes along rows, then columns) of frames (F, H, W)."""
    out = lum
    for _ in range(2):
        out = _box(_box(out, across, axis=2), down, axis=1)
    return out


def luma(images: np.ndarray) -> np.ndarray:
    """PDQ's float luma of RGB images (..., H, W, 3); grey images (..., H, W) pass as they are."""
    if images.ndim >= 3 and images.shape[-1] == 3:
        # A weighted sum per channel: several times faster than a product with a 3-vector.
        out = images[..., 0] * _LUMA[0]
        out += images[..., 1] * _LUMA[1]
        out += images[..., 2] * _LUMA[2]
        return out
    return images.astype(np.float32)


def _quality(buf: np.ndarray) -> np.ndarray:
    """PDQ's quality metric of 64 x 64 downsamples (..., 64, 64)."""
    dv = np.trunc((buf[..., :-1, :] - buf[..., 1:, :]) * np.float32(100) / np.float32(255))
    dh = np.trunc((buf[..., :, :-1] - buf[..., :, 1:]) * np.float32(100) / np.float32(255))
    total = np.abs(dv).sum(axis=(-2, -1)) + np.abs(dh).sum(axis=(-2, -1))
    return np.minimum(total.astype(np.int64) // 90, 100)


def crop_windows(height: int, width: int, scale: float, ax: float, ay: float) -> tuple[int, ...]:
    """(y, h, x, w) of a crop `scale` times the picture, its corner at (ax, ay) of the slack."""
    ch, cw = max(1, round(height * scale)), max(1, round(width * scale))
    return round((height - ch) * ay), ch, round((width - cw) * ax), cw


def dct_crops(lum: np.ndarray, windows: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """PDQ's 16 x 16 DCT of crops of luma frames, and PDQ's quality of the first crop.

    lum: (F, H, W) float32; windows: (y, h, x, w) each. Returns (F, C, 16, 16) and (F,).
    """
    f = lum.shape[0]
    bufs = np.zeros((f, len(windows), 64, 64), dtype=np.float32)
    blurred: dict[tuple[int, int], np.ndarray] = {}
    picks = np.arange(64) + 0.5
    for c, (y, h, x, w) in enumerate(windows):
        if min(h, w) < MIN_SIDE:
            continue
        size = (_jarosz_window(w), _jarosz_window(h))
        if size not in blurred:
            blurred[size] = _blur(lum, *size)
        rows = y + (picks * h / 64).astype(int)
        cols = x + (picks * w / 64).astype(int)
        bufs[:, c] = blurred[size][:, rows[:, None], cols[None, :]]
    return _DCT @ bufs @ _DCT.T, _quality(bufs[:, 0])


def dihedral_dcts(dct: np.ndarray) -> np.ndarray:
    """(..., 8, 16, 16): the DCT of each orientation in `DIHEDRAL` order (pdqhashing.cpp)."""
    odd = (np.arange(16) % 2).astype(np.float32)
    s = 2 * odd - 1  # +1 at odd indices, -1 at even
    row, col = s[:, None], s[None, :]
    both = np.where((np.arange(16)[:, None] + np.arange(16)[None, :]) % 2, -1.0, 1.0)
    t = np.swapaxes
    return np.stack(
        [
            dct,
            t(dct * col, -1, -2),  # rotate90
            dct * both.astype(np.float32),  # rotate180
            t(dct * row, -1, -2),  # rotate270
            dct * row,  # flip_x
            dct * col,  # flip_y
            t(dct, -1, -2),  # flip_plus1
            t(dct * both.astype(np.float32), -1, -2),  # flip_minus1
        ],
        axis=-3,
    )


def bits_of(dct: np.ndarray) -> np.ndarray:
    """32-byte codes of 16 x 16 DCTs (..., 16, 16), in the order of PDQ's hex form."""
    flat = dct.reshape(*dct.shape[:-2], 256)
    median = np.partition(flat, 127, axis=-1)[..., 127:128]  # torben: the lower median
    return np.packbits((flat > median)[..., ::-1], axis=-1)


def hash_crops(
    images: np.ndarray, windows: list[tuple[int, ...]], dihedral: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """PDQ codes of crops of frames: (F, C, 8, 32) with `dihedral` (else (F, C, 32)), and the
    PDQ quality of the first crop (F,).

    images: (F, H, W, 3) RGB or (F, H, W) luma, uint8. A crop under 5 pixels a side gets zero
    codes, as PDQ gives.
    """
    dct, quality = dct_crops(luma(images), windows)
    codes = bits_of(dihedral_dcts(dct) if dihedral else dct)
    small = np.array([min(w[1], w[3]) < MIN_SIDE for w in windows])
    codes[:, small] = 0
    return codes, quality

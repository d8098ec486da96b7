"""PDQ hashes (Meta's perceptual image hash, 256 bits) via `pdqhash`.

A hash is kept as 32 bytes (numpy uint8), most significant bit first, so its hex form is the one
PDQ and vPDQ tools print and exchange.
"""

from __future__ import annotations

import numpy as np
import pdqhash

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

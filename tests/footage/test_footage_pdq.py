"""PDQ and vPDQ: bit-exact with Meta's `vpdq` package, and the exchange format round-trips."""

from __future__ import annotations

import numpy as np
import vpdq as meta
from footage_clips import BIKES, BUNNY, CARPHONE

from cadena.media import frames
from cadena.media.fingerprint import pdq, vpdq


def test_footage_vpdq_matches_meta_reference() -> None:
    for clip in (BIKES, CARPHONE):
        ours = vpdq.compute(clip)
        theirs = meta.computeHash(str(clip), thread_count=1)
        assert [f.frame_number for f in ours] == [f.frame_number for f in theirs]
        assert [f.hash for f in ours] == [f.hex for f in theirs]
        assert [f.quality for f in ours] == [f.quality for f in theirs]
        assert np.allclose([f.timestamp for f in ours], [f.timestamp for f in theirs], atol=1e-4)


def test_footage_vpdq_lines_round_trip_with_meta_output() -> None:
    theirs = meta.computeHash(str(CARPHONE), thread_count=1)
    text = "".join(f"{f.frame_number},{f.quality},{f.hex},{f.timestamp:.3f}\n" for f in theirs)
    loaded = vpdq.loads(text)
    assert vpdq.dumps(loaded) == text
    assert vpdq.match(loaded, vpdq.compute(CARPHONE)) == (100.0, 100.0)


def test_footage_vpdq_bad_line_is_a_clear_error() -> None:
    try:
        vpdq.loads("0,100,nothex,0.000\n")
    except vpdq.CadenaError as exc:
        assert "line 1" in str(exc)
    else:
        raise AssertionError("no error")


def test_footage_pdq_dihedral_mirror_and_hex() -> None:
    img = frames.keyframes(BUNNY, max_side=640)[0].image
    codes, quality = pdq.pdq_dihedral(img)
    assert quality >= 50 and codes.shape == (8, 32)
    mirrored, _ = pdq.pdq(np.ascontiguousarray(img[:, ::-1]))
    assert pdq.distance(codes[pdq.MIRROR], mirrored) <= 8
    assert pdq.distance(codes[0], mirrored) > 64
    assert (pdq.from_hex(pdq.to_hex(codes[0])) == codes[0]).all()

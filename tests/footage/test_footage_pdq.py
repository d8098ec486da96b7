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


def test_footage_batched_pdq_gives_pdqhash_bits_for_every_crop() -> None:
    sampled = frames.sample_frames(BIKES, step=0.5)[:12]
    images = np.stack([f.image for f in sampled])
    h, w = images.shape[1:3]
    windows = [pdq.crop_windows(h, w, s, ax, ay) for s, ax, ay in ((1, 0.5, 0.5), (0.9, 0.2, 0.7))]
    codes, quality = pdq.hash_crops(images, windows)
    worst = [0, 0]
    for i, img in enumerate(images):
        for c, (y, ch, x, cw) in enumerate(windows):
            ref, q = pdq.pdq_dihedral(np.ascontiguousarray(img[y : y + ch, x : x + cw]))
            if c == 0:
                assert abs(int(quality[i]) - q) <= 1
            worst[c] = max(worst[c], int(pdq.distance(codes[i, c], ref).max()))
    # The whole picture: PDQ's bits but where float rounding meets the median. A crop: its
    # outermost samples also see a pixel or two beyond the cut, which moves a few bits.
    assert worst[0] <= 4 and worst[1] <= 16

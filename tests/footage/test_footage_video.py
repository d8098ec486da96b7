"""The video fingerprint finds copies of real clips through the changes re-uploads make, and
does not confuse unrelated clips."""

from __future__ import annotations

import av
import numpy as np
import pytest
from footage_clips import BIKES, CARPHONE, CARPHONE_DISTORTED

from cadena.media.fingerprint import transforms, video
from cadena.media.fingerprint.match import FootageIndex

KINDS = [
    "reencode",
    "crop10",
    "crop10_offcentre",
    "letterbox",
    "mirror",
    "screen",
    "excerpt",
    "mirror_crop10_letterbox",
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    originals = {0: video.fingerprint_video(CARPHONE), 1: video.fingerprint_video(BIKES)}
    index = FootageIndex(folder / "index")
    for key, fp in originals.items():
        index.add(key, fp)
    index.codes.flush()
    return folder, originals, index


def _query(library, path):
    _, originals, index = library
    return index.query(video.fingerprint_video(path), originals.__getitem__)


@pytest.mark.parametrize("kind", KINDS)
def test_footage_copy_matches_its_original_only(library, kind) -> None:
    folder = library[0]
    copy = transforms.transform(CARPHONE, folder / f"{kind}.mp4", kind, seed=5)
    found = _query(library, copy)
    assert [m.key for m in found] == [0]
    m = found[0]
    assert m.distance <= 31
    assert m.mirrored == kind.startswith("mirror")
    if "crop10" in kind:
        assert m.cropped


def test_footage_offcentre_crops_match_through_the_grid(library, tmp_path) -> None:
    # Crops at positions between the fixed corners and the centre: the grid windows catch them.
    for seed in (1, 2, 3):
        copy = transforms.transform(BIKES, tmp_path / f"off{seed}.mp4", "crop10_offcentre", seed)
        found = _query(library, copy)
        assert [m.key for m in found] == [1] and found[0].cropped


def test_footage_excerpt_reports_its_offset(library) -> None:
    folder = library[0]
    copy = transforms.transform(BIKES, folder / "bikes_excerpt.mp4", "excerpt", seed=2)
    # Rebuild what the transform chose, to know where the excerpt starts.
    rng = np.random.default_rng(2)
    rng.choice([1, 2, 3])
    n = 250
    length = max(2, int(n * rng.uniform(0.35, 0.6)))
    start = int(rng.integers(0, n - length + 1)) / 25
    found = _query(library, copy)
    assert [m.key for m in found] == [1]
    assert abs(found[0].offset - start) <= 0.6


def test_footage_real_degraded_copy_matches(library) -> None:
    assert [m.key for m in _query(library, CARPHONE_DISTORTED)] == [0]


def test_footage_fingerprint_round_trips_bytes(library) -> None:
    fp = library[1][1]
    again = video.VideoFingerprint.from_bytes(fp.to_bytes())
    assert (again.codes == fp.codes).all() and (again.times == fp.times).all()
    assert again.grid is not None and fp.grid is not None and (again.grid == fp.grid).all()
    assert again.duration == pytest.approx(fp.duration)


def test_footage_index_survives_reopening(library) -> None:
    folder, originals, _ = library
    reopened = FootageIndex(folder / "index")
    found = reopened.query(video.fingerprint_video(CARPHONE_DISTORTED), originals.__getitem__)
    assert [m.key for m in found] == [0]


def test_footage_still_photo_of_a_frame_matches_its_video(library) -> None:
    _, originals, index = library
    with av.open(str(BIKES)) as c:
        frame = [f for i, f in zip(range(120), c.decode(video=0), strict=False)][-1]
    still = frame.to_ndarray(format="rgb24")[:, ::-1]  # a mirrored screenshot at 4.8 s
    found = index.query(video.fingerprint_image(still), originals.__getitem__)
    assert [m.key for m in found] == [1] and found[0].mirrored
    assert abs(found[0].offset - 4.76) <= 0.5

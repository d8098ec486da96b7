"""The near-duplicate index is exact (what a brute-force scan returns), persists and grows."""

from __future__ import annotations

import numpy as np
import pytest

from cadena.media.fingerprint.index import CodeIndex


def _brute(codes: np.ndarray, q: np.ndarray, radius: int) -> set[int]:
    d = np.unpackbits(codes ^ q, axis=1).sum(axis=1)
    return set(np.flatnonzero(d <= radius).tolist())


def _near(rng: np.random.Generator, code: np.ndarray, flips: int) -> np.ndarray:
    bits = np.unpackbits(code)
    bits[rng.choice(256, flips, replace=False)] ^= 1
    return np.packbits(bits)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, list[np.ndarray]]:
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    # Clusters of near codes, like frames of one video, so radii catch several.
    near = np.stack([_near(rng, base[i % 3000], int(rng.integers(0, 40))) for i in range(47_000)])
    codes = np.concatenate([base, near])
    queries = [_near(rng, codes[int(rng.integers(0, len(codes)))], int(k)) for k in range(0, 45, 3)]
    return codes, queries


@pytest.mark.parametrize("brute_max", [0, 10**9])
@pytest.mark.parametrize("radius", [0, 10, 31, 40])
def test_footage_index_exact_against_brute_force(data, brute_max, radius) -> None:
    codes, queries = data
    index = CodeIndex(brute_max=brute_max)
    index.add(codes, np.arange(len(codes)))
    index.flush()
    assert bool(index.segments[0].layout) == (brute_max == 0)
    for q in queries:
        labels, dist = index.search(q, radius)
        assert set(labels.tolist()) == _brute(codes, q, radius)
        assert len(labels) == len(set(labels.tolist()))
        if len(labels):
            want = np.unpackbits(codes[labels] ^ q, axis=1).sum(axis=1)
            assert (dist == want).all()


def test_footage_index_persists_and_grows(tmp_path, data) -> None:
    codes, queries = data
    index = CodeIndex(tmp_path / "ix", brute_max=1000)
    index.add(codes[:30_000], np.arange(30_000))
    index.flush()
    reopened = CodeIndex(tmp_path / "ix", brute_max=1000)
    assert len(reopened) == 30_000
    reopened.add(codes[30_000:], np.arange(30_000, len(codes)))  # searchable before flushing
    for q in queries[:5]:
        assert set(reopened.search(q, 31)[0].tolist()) == _brute(codes, q, 31)
    reopened.flush()
    again = CodeIndex(tmp_path / "ix", brute_max=1000)
    assert len(again) == len(codes) and len(again.segments) == 2
    again.compact()
    assert len(CodeIndex(tmp_path / "ix").segments) == 1
    rows, labels, dist = CodeIndex(tmp_path / "ix").search_many(np.stack(queries), 31)
    for i, q in enumerate(queries):
        assert set(labels[rows == i].tolist()) == _brute(codes, q, 31)


def test_footage_index_rejects_mismatched_labels() -> None:
    with pytest.raises(ValueError):
        CodeIndex().add(np.zeros((3, 32), np.uint8), np.arange(2))


def test_footage_index_remembers_groups_per_segment(tmp_path) -> None:
    rng = np.random.default_rng(5)
    index = CodeIndex(tmp_path / "g", group_shift=8)
    index.add(rng.integers(0, 256, (10, 32), dtype=np.uint8), (np.arange(10) % 3 + 7) << 8)
    index.add(np.zeros((0, 32), np.uint8), np.zeros(0, np.int64))  # nothing to add: no segment
    assert index.groups() == {7, 8, 9}
    index.flush()
    index.add(rng.integers(0, 256, (2, 32), dtype=np.uint8), np.array([42 << 8, 42 << 8]))
    index.flush()
    again = CodeIndex(tmp_path / "g", group_shift=8)
    assert again.groups() == {7, 8, 9, 42} and len(again.segments) == 2


def test_footage_index_grown_item_by_item_stays_few_segments(tmp_path, data) -> None:
    codes, queries = data
    index = CodeIndex(tmp_path / "tiers", brute_max=100, group_shift=16)
    for g in range(90):  # 90 items of 50 codes, a flush each, as items arrive one by one
        index.add(codes[g * 50 : (g + 1) * 50], (g << 16) + np.arange(50))
        index.flush()
    again = CodeIndex(tmp_path / "tiers", group_shift=16)
    sizes = sorted(len(s) for s in again.segments)
    assert len(sizes) <= 3 * 8 and sizes[-1] >= 9 * 9 * 50  # small ones merged, then merged again
    assert len(again) == 4500 and again.groups() == set(range(90))
    labels = (np.arange(4500) // 50 << 16) + np.arange(4500) % 50
    for q in queries:
        want = {int(labels[i]) for i in _brute(codes[:4500], q, 31)}
        assert set(again.search(q, 31)[0].tolist()) == want

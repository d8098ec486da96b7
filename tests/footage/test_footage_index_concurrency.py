"""The frame-code index under several writing processes at once, and writers killed mid-way.

Real processes (`python -c`), each adding whole groups of codes (a group stands for one video's
frames) under the index's lock. Readers open the index all along and must only ever see whole
groups; at the end every group is there exactly once and searches equal a brute-force scan.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from cadena.media.fingerprint.index import CodeIndex
from cadena.media.fingerprint.segments import IndexDamaged

SHIFT = 20

WRITER = """
import sys
import numpy as np
from cadena.media.fingerprint.index import CodeIndex
folder, first, last, size, brute_max = sys.argv[1], *map(int, sys.argv[2:6])
index = CodeIndex(folder, brute_max=brute_max, group_shift=20)
for g in range(first, last):
    with index.writing():  # check-then-add under the lock: each group goes in once
        if g in index.groups():
            continue
        codes = np.random.default_rng(g).integers(0, 256, (size, 32), dtype=np.uint8)
        index.add(codes, (g << 20) + np.arange(size))
        index.flush()
    print(g, flush=True)
"""


def _writer(folder: Path, first: int, last: int, size: int, brute_max: int) -> subprocess.Popen:
    args = [str(folder), str(first), str(last), str(size), str(brute_max)]
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _codes(groups: range, size: int) -> tuple[np.ndarray, np.ndarray]:
    codes = [np.random.default_rng(g).integers(0, 256, (size, 32), dtype=np.uint8) for g in groups]
    labels = [(g << SHIFT) + np.arange(size) for g in groups]
    return np.concatenate(codes), np.concatenate(labels)


def _whole_groups(folder: Path, size: int) -> set[int]:
    """The groups a reader sees now; fails if any is partial or any code is there twice."""
    index = CodeIndex(folder, group_shift=SHIFT)
    if not index.segments:
        return set()
    labels = np.concatenate([np.asarray(s.labels) for s in index.segments])
    assert len(np.unique(labels)) == len(labels), "a code is indexed twice"
    groups, counts = np.unique(labels >> SHIFT, return_counts=True)
    assert (counts == size).all(), f"partial groups seen: {groups[counts != size]}"
    assert set(groups.tolist()) == index.groups()
    return set(groups.tolist())


def _assert_exact(folder: Path, groups: range, size: int) -> None:
    codes, labels = _codes(groups, size)
    rng = np.random.default_rng(0)
    picks = codes[rng.integers(0, len(codes), 25)]
    bits = np.unpackbits(picks, axis=1)
    for row in bits:
        row[rng.choice(256, int(rng.integers(0, 40)), replace=False)] ^= 1
    queries = np.packbits(bits, axis=1)
    index = CodeIndex(folder, group_shift=SHIFT)
    rows, found, dist = index.search_many(queries, 31)
    for i, q in enumerate(queries):
        d = np.unpackbits(codes ^ q, axis=1).sum(axis=1)
        assert sorted(found[rows == i].tolist()) == sorted(labels[d <= 31].tolist())


def test_footage_index_concurrent_writers_lose_nothing(tmp_path) -> None:
    folder, size = tmp_path / "ix", 3000
    # Three writers on their own groups, a fourth adding every group that is still missing,
    # small segments merged into hashed ones (brute_max) while the others keep adding.
    procs = [_writer(folder, a, a + 12, size, 20_000) for a in (0, 12, 24)]
    procs.append(_writer(folder, 0, 36, size, 20_000))
    reads, seen = 0, 0
    while any(p.poll() is None for p in procs):
        seen = max(seen, len(_whole_groups(folder, size)))
        reads += 1
    for p in procs:
        assert p.returncode == 0, p.stderr.read()
    assert reads > 3 and seen <= 36
    assert _whole_groups(folder, size) == set(range(36))
    _assert_exact(folder, range(36), size)
    assert not list(folder.glob("tmp-*"))


def test_footage_index_killed_writer_leaves_it_whole(tmp_path) -> None:
    folder, size, groups = tmp_path / "ix", 10_000, 30
    rng = np.random.default_rng(11)
    for _ in range(4):
        p = _writer(folder, 0, groups, size, 50_000)
        p.stdout.readline()  # started writing (imports done)
        time.sleep(float(rng.uniform(0.0, 0.4)))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        _whole_groups(folder, size)  # whole groups only, nothing twice, readable at once
    p = _writer(folder, 0, groups, size, 50_000)
    assert p.wait() == 0, p.stderr.read()
    assert _whole_groups(folder, size) == set(range(groups))
    _assert_exact(folder, range(groups), size)
    manifest = CodeIndex(folder)._names
    leftovers = {q.name for q in folder.iterdir()} - {*manifest, "index.json", "lock"}
    assert not leftovers  # temp folders and unnamed segments of killed writers swept


def test_footage_index_damaged_segment_is_reported(tmp_path) -> None:
    index = CodeIndex(tmp_path / "ix", brute_max=10)
    codes, labels = _codes(range(3), 50)
    index.add(codes, labels)
    index.flush()
    (name,) = index._names
    (tmp_path / "ix" / name / "codes.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(IndexDamaged):
        CodeIndex(tmp_path / "ix")
    (tmp_path / "ix" / "index.json").write_text("{")
    with pytest.raises(IndexDamaged):
        CodeIndex(tmp_path / "ix")

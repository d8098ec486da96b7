"""A near-duplicate index of 256-bit codes: exact Hamming-radius search by multi-index hashing.

Each code is cut into `m` chunks. If two codes differ in at most `r` bits, one of the chunks differs
in at most `r // m` bits (pigeonhole), so probing every chunk table with every value within
`r // m` bits of the query's chunk finds every true neighbour; each candidate is then checked on all
256 bits. Nothing within the radius is ever lost: the search is exact, not approximate.

The chunk width is chosen from the number of codes (about log2 N bits, so a bucket holds about one
code), which keeps both the probes and the candidates few. Tables are CSR arrays (`offsets`,
`order`) built with one argsort each, in pure NumPy.

On disk an index is a folder of immutable segments (`seg-NNNNNN/` with .npy files, memory-mapped
on open) and `index.json` naming them (see `segments.py`: a write lock, atomic segments, lock-free
readers). `add` buffers codes, `flush` writes them as a new segment, small segments are scanned by
brute force, and `compact` merges them into one hashed segment, so the index grows incrementally
as items arrive.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cadena.media.fingerprint.segments import IndexDamaged, SegmentedIndex

FORMAT = "cadena-mih-1"
BRUTE_MAX = 200_000  # segments up to this size are scanned, not hashed
_BITS = 256


def _words(codes: np.ndarray) -> np.ndarray:
    """(N, 32) uint8 -> (N, 4) uint64, most significant byte first (hex order)."""
    return np.ascontiguousarray(codes).view(">u8").astype(np.uint64)


def _chunk_layout(n: int) -> list[tuple[int, int]]:
    """(start bit, length) of each chunk: about log2(n) bits wide (at most 24, to fit in RAM)."""
    width = min(24, max(8, math.ceil(math.log2(max(n, 2)))))
    m = math.ceil(_BITS / width)
    base, extra = divmod(_BITS, m)
    lengths = [base + 1] * extra + [base] * (m - extra)
    starts = list(itertools.accumulate([0] + lengths[:-1]))
    return list(zip(starts, lengths, strict=True))


def _chunk(words: np.ndarray, start: int, length: int) -> np.ndarray:
    """The value of bits [start, start+length) of each code (bit 0 = most significant)."""
    w, off = divmod(start, 64)
    end = off + length
    if end <= 64:
        return ((words[:, w] >> np.uint64(64 - end)) & np.uint64((1 << length) - 1)).astype(
            np.int64
        )
    hi_len, lo_len = 64 - off, end - 64
    hi = words[:, w] & np.uint64((1 << hi_len) - 1)
    lo = words[:, w + 1] >> np.uint64(64 - lo_len)
    return ((hi << np.uint64(lo_len)) | lo).astype(np.int64)


def _masks(length: int, radius: int) -> np.ndarray:
    """Every `length`-bit value with at most `radius` bits set."""
    out = [0]
    for k in range(1, radius + 1):
        out += [sum(1 << b for b in bits) for bits in itertools.combinations(range(length), k)]
    return np.array(out, dtype=np.int64)


@dataclass
class Segment:
    """An immutable run of codes, hashed into chunk tables when large enough."""

    codes: np.ndarray  # (N, 4) uint64
    labels: np.ndarray  # (N,) int64
    layout: list[tuple[int, int]]
    offsets: list[np.ndarray]  # per chunk: (2**length + 1,) positions into `order`
    order: np.ndarray  # (m * N,) positions into codes, chunk tables one after another
    _flat: np.ndarray | None = None

    @classmethod
    def build(cls, codes: np.ndarray, labels: np.ndarray, brute_max: int = BRUTE_MAX) -> Segment:
        words = _words(codes) if codes.dtype == np.uint8 else codes
        n = len(words)
        if n <= brute_max:
            return cls(words, labels, [], [], np.zeros(0, np.uint32))
        layout = _chunk_layout(n)
        offsets, orders = [], []
        for j, (start, length) in enumerate(layout):
            keys = _chunk(words, start, length)
            order = np.argsort(keys, kind="stable").astype(np.uint32)
            counts = np.bincount(keys, minlength=1 << length)
            dtype = np.uint32 if len(layout) * n < 2**32 else np.int64
            off = np.zeros((1 << length) + 1, dtype=np.int64)
            np.cumsum(counts, out=off[1:])
            offsets.append((off + j * n).astype(dtype))
            orders.append(order)
        return cls(words, labels, layout, offsets, np.concatenate(orders))

    def __len__(self) -> int:
        return len(self.labels)

    def search(self, q: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """Labels and distances of the codes within `radius` of one query (4 uint64 words)."""
        cand = None if not self.layout else self._candidates(q, radius)
        codes = self.codes if cand is None else self.codes[cand]
        dist = np.bitwise_count(codes ^ q).sum(axis=1, dtype=np.int32)
        hit = dist <= radius
        if cand is None:
            return self.labels[hit], dist[hit]
        pos, first = np.unique(cand[hit], return_index=True)
        return self.labels[pos], dist[hit][first]

    def search_batch(
        self, queries: np.ndarray, radius: int
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Hits of many queries ((Q, 4) words): a list of (query rows, labels, distances)."""
        out = []
        if self.layout:
            for i, q in enumerate(queries):
                lab, d = self.search(q, radius)
                out.append((np.full(len(lab), i, dtype=np.int64), lab, d))
            return out
        # Brute force in blocks small enough to stay in cache.
        block = max(1, 2_000_000 // max(len(self.codes), 1))
        for a in range(0, len(queries), block):
            q = queries[a : a + block]
            dist = np.bitwise_count(q[:, None, :] ^ self.codes[None, :, :]).sum(
                axis=2, dtype=np.int32
            )
            r, c = np.nonzero(dist <= radius)
            out.append((r + a, np.asarray(self.labels)[c], dist[r, c]))
        return out

    def _candidates(self, q: np.ndarray, radius: int) -> np.ndarray:
        chunk_of, masks, base = _probes(tuple(self.layout), radius // len(self.layout))
        value = int.from_bytes(q.astype(">u8").tobytes(), "big")
        chunks = np.array(
            [(value >> (_BITS - a - n)) & ((1 << n) - 1) for a, n in self.layout], dtype=np.int64
        )
        keys = (chunks[chunk_of] ^ masks) + base
        s = self.flat_offsets[keys].astype(np.int64)
        lens = self.flat_offsets[keys + 1].astype(np.int64) - s
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        shift = np.repeat(s - (np.cumsum(lens) - lens), lens)
        return self.order[shift + np.arange(total)].astype(np.int64)

    @property
    def flat_offsets(self) -> np.ndarray:
        if self._flat is None:
            self._flat = np.concatenate(self.offsets)
        return self._flat

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "codes.npy", self.codes)
        np.save(folder / "labels.npy", self.labels)
        if self.layout:
            np.save(folder / "order.npy", self.order)
            np.save(folder / "offsets.npy", np.concatenate(self.offsets))
            (folder / "layout.json").write_text(json.dumps(self.layout))

    @classmethod
    def load(cls, folder: Path) -> Segment:
        try:
            return cls._load(folder)
        except FileNotFoundError:
            raise  # merged away meanwhile: the reader starts again from the manifest
        except (OSError, ValueError, EOFError) as exc:
            raise IndexDamaged(f"{folder}: unreadable segment ({exc})") from exc

    @classmethod
    def _load(cls, folder: Path) -> Segment:
        codes = np.load(folder / "codes.npy", mmap_mode="r")
        labels = np.load(folder / "labels.npy", mmap_mode="r")
        if not (folder / "layout.json").exists():
            return cls(np.asarray(codes), np.asarray(labels), [], [], np.zeros(0, np.uint32))
        layout = [tuple(x) for x in json.loads((folder / "layout.json").read_text())]
        flat = np.load(folder / "offsets.npy", mmap_mode="r")
        sizes = [(1 << length) + 1 for _, length in layout]
        cuts = np.cumsum([0] + sizes)
        offsets = [flat[a:b] for a, b in itertools.pairwise(cuts)]
        order = np.load(folder / "order.npy", mmap_mode="r")
        return cls(codes, labels, layout, offsets, order)


_MASKS: dict[tuple[int, int], np.ndarray] = {}
_PROBES: dict[tuple[tuple[tuple[int, int], ...], int], tuple[np.ndarray, ...]] = {}


def _probes(layout: tuple[tuple[int, int], ...], sub: int) -> tuple[np.ndarray, ...]:
    """For every probe of every chunk table: its chunk, its bit mask, its table's base offset."""
    key = (layout, sub)
    if key not in _PROBES:
        chunk_of, masks, base = [], [], []
        at = 0
        for j, (_, length) in enumerate(layout):
            m = _mask_cache(length, sub)
            chunk_of.append(np.full(len(m), j))
            masks.append(m)
            base.append(np.full(len(m), at))
            at += (1 << length) + 1
        _PROBES[key] = (np.concatenate(chunk_of), np.concatenate(masks), np.concatenate(base))
    return _PROBES[key]


def _mask_cache(length: int, radius: int) -> np.ndarray:
    key = (length, radius)
    if key not in _MASKS:
        _MASKS[key] = _masks(length, radius)
    return _MASKS[key]


class CodeIndex(SegmentedIndex[Segment]):
    """Exact Hamming-radius search over 256-bit codes, kept in a folder, growing by segments.

    Many processes may add at once: writes happen under the folder's lock and every segment is
    written atomically (see `segments.SegmentFolder`); readers never wait and never see a half-
    written segment. Use `writing()` around a check-then-add (e.g. "add what is not indexed").
    """

    FORMAT = FORMAT

    def __init__(
        self, folder: str | Path | None = None, brute_max: int = BRUTE_MAX, group_shift: int = 0
    ) -> None:
        self.brute_max = brute_max
        # Labels >> group_shift name what a code belongs to (e.g. one video).
        self.group_shift = group_shift
        super().__init__(folder)

    def _build(self, parts: list[tuple[np.ndarray, ...]]) -> Segment:
        if len(parts) > 1:  # keep one part, so the next add concatenates once
            parts[:] = [
                (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
            ]
        return Segment.build(parts[0][0], parts[0][1], self.brute_max)

    def _merge(self, segs: list[Segment]) -> Segment:
        codes = np.concatenate([np.asarray(s.codes) for s in segs])
        labels = np.concatenate([np.asarray(s.labels) for s in segs])
        return Segment.build(codes, labels, self.brute_max)

    def _load(self, folder: Path) -> Segment:
        return Segment.load(folder)

    def _group_ids(self, seg: Segment) -> np.ndarray:
        return np.unique(np.asarray(seg.labels) >> self.group_shift)

    def _is_small(self, seg: Segment) -> bool:
        return not seg.layout

    def add(self, codes: np.ndarray, labels: np.ndarray) -> None:
        """Queue (N, 32) uint8 codes with their int64 labels; searchable at once."""
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, 32)
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(codes) != len(labels):
            raise ValueError("one label per code")
        if len(codes):
            self._queue((codes, labels))

    def search(self, code: np.ndarray, radius: int = 31) -> tuple[np.ndarray, np.ndarray]:
        """Labels and Hamming distances of every stored code within `radius` bits of `code`."""
        q = _words(np.asarray(code, dtype=np.uint8).reshape(1, 32))[0]
        found = [s.search(q, radius) for s in self._searched()]
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        labels, dist = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
        if self.visible is not None:
            keep = np.isin(labels >> self.group_shift, self.visible)
            labels, dist = labels[keep], dist[keep]
        return labels, dist

    def search_many(
        self, codes: np.ndarray, radius: int = 31
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For many queries: (query row, label, distance) of every hit, as flat arrays."""
        queries = _words(np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, 32))
        rows, labels, dists = [], [], []
        for seg in self._searched():
            for r, lab, d in seg.search_batch(queries, radius):
                rows.append(r)
                labels.append(lab)
                dists.append(d)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
        out = np.concatenate(rows), np.concatenate(labels), np.concatenate(dists)
        if self.visible is not None:
            keep = np.isin(out[1] >> self.group_shift, self.visible)
            out = out[0][keep], out[1][keep], out[2][keep]
        return out

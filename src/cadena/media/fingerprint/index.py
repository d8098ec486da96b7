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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cadena.media.fingerprint.segments import IndexDamaged, SegmentFolder

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


class CodeIndex:
    """Exact Hamming-radius search over 256-bit codes, kept in a folder, growing by segments.

    Many processes may add at once: writes happen under the folder's lock and every segment is
    written atomically (see `segments.SegmentFolder`); readers never wait and never see a half-
    written segment. Use `writing()` around a check-then-add (e.g. "add what is not indexed").
    """

    def __init__(
        self, folder: str | Path | None = None, brute_max: int = BRUTE_MAX, group_shift: int = 0
    ) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._disk = SegmentFolder(self.folder, FORMAT) if self.folder is not None else None
        self.brute_max = brute_max
        # Labels >> group_shift name what a code belongs to (e.g. one video); each segment keeps
        # the list of its groups, so "which videos are indexed" is answered without a scan.
        self.group_shift = group_shift
        self.segments: list[Segment] = []
        self._names: list[str] = []
        self._groups: dict[str, np.ndarray] = {}
        self._pending_codes: list[np.ndarray] = []
        self._pending_labels: list[np.ndarray] = []
        self._pending: Segment | None = None
        # When set, searches return only codes of these groups: a reader whose database view is
        # older than the index (another process added since) sees what it can resolve.
        self.visible: np.ndarray | None = None
        self.refresh()

    def refresh(self) -> None:
        """Bring the view up to date with the folder (segments other processes added or merged)."""
        if self._disk is None:
            return
        disk, folder = self._disk, self._disk.folder
        loaded = dict(zip(self._names, self.segments, strict=True))

        def load(meta: dict[str, Any]) -> tuple[list[str], list[Segment], dict[str, np.ndarray]]:
            names = list(meta.get("segments", []))
            segs = [loaded[n] if n in loaded else Segment.load(folder / n) for n in names]
            groups = {}
            for n, seg in zip(names, segs, strict=True):
                cached = self._groups.get(n)
                if cached is None and (folder / n / "groups.npy").exists():
                    cached = np.load(folder / n / "groups.npy")
                if cached is None:
                    cached = np.unique(np.asarray(seg.labels) >> self.group_shift)
                groups[n] = cached
            return names, segs, groups

        self._names, self.segments, self._groups = disk.read(load)

    def __len__(self) -> int:
        return sum(len(s) for s in self.segments) + sum(len(x) for x in self._pending_labels)

    def groups(self) -> set[int]:
        """Every `label >> group_shift` stored, pending codes included."""
        out: set[int] = set()
        for name, seg in zip(self._names, self.segments, strict=True):
            cached = self._groups.get(name)
            if cached is None:
                cached = np.unique(np.asarray(seg.labels) >> self.group_shift)
            out.update(cached.tolist())
        for labels in self._pending_labels:
            out.update(np.unique(labels >> self.group_shift).tolist())
        return out

    def add(self, codes: np.ndarray, labels: np.ndarray) -> None:
        """Queue (N, 32) uint8 codes with their int64 labels; searchable at once."""
        codes = np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, 32)
        labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        if len(codes) != len(labels):
            raise ValueError("one label per code")
        if not len(codes):
            return
        self._pending_codes.append(codes)
        self._pending_labels.append(labels)
        self._pending = None

    def _pending_segment(self) -> Segment | None:
        if not self._pending_labels:
            return None
        if self._pending is None:
            codes = np.concatenate(self._pending_codes)
            labels = np.concatenate(self._pending_labels)
            self._pending_codes, self._pending_labels = [codes], [labels]
            self._pending = Segment.build(codes, labels, self.brute_max)
        return self._pending

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock, the view brought up to date when it is taken (re-entrant)."""
        if self._disk is None:
            yield
            return
        with self._disk.lock():
            if self._disk.depth == 1:
                self.refresh()
            yield

    def clear(self) -> None:
        """Drop every stored code (under `writing()`; takes effect at the next flush)."""
        self.segments, self._names, self._groups = [], [], {}

    def flush(self) -> None:
        """Write the queued codes as a new segment (and merge small segments when many)."""
        with self.writing():
            self.flush_pending_only()
            if sum(1 for s in self.segments if not s.layout) > 8:
                self.compact(only_small=True)
            else:
                self._commit()

    def compact(self, only_small: bool = False) -> None:
        """Merge segments (all, or only the brute-force ones) into one."""
        with self.writing():
            self.flush_pending_only()
            pick = [i for i, s in enumerate(self.segments) if not (only_small and s.layout)]
            if len(pick) >= 2:
                codes = np.concatenate([np.asarray(self.segments[i].codes) for i in pick])
                labels = np.concatenate([np.asarray(self.segments[i].labels) for i in pick])
                merged = Segment.build(codes, labels, self.brute_max)
                keep = [i for i in range(len(self.segments)) if i not in pick]
                self.segments = [self.segments[i] for i in keep]
                self._names = [self._names[i] for i in keep]
                self._append(merged)
            self._commit()  # the switch: from here readers see the merged segment

    def flush_pending_only(self) -> None:
        """Write the queued codes as a segment, not yet named in the manifest (see `flush`)."""
        with self.writing():
            seg = self._pending_segment()
            if seg is not None:
                self._pending_codes, self._pending_labels, self._pending = [], [], None
                self._append(seg)

    def _append(self, seg: Segment) -> None:
        groups = np.unique(np.asarray(seg.labels) >> self.group_shift)
        name = f"mem-{len(self._names)}"
        if self._disk is not None:
            with self._disk.new_segment() as tmp:
                seg.save(tmp)
                np.save(tmp / "groups.npy", groups)
            name = self._disk.last_name
        self.segments.append(seg)
        self._names.append(name)
        self._groups[name] = groups

    def _commit(self) -> None:
        if self._disk is not None:
            self._disk.commit(self._names)

    def search(self, code: np.ndarray, radius: int = 31) -> tuple[np.ndarray, np.ndarray]:
        """Labels and Hamming distances of every stored code within `radius` bits of `code`."""
        rows, labels, dist = self.search_many(np.asarray(code).reshape(1, 32), radius)
        return labels, dist

    def search_many(
        self, codes: np.ndarray, radius: int = 31
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For many queries: (query row, label, distance) of every hit, as flat arrays."""
        queries = _words(np.ascontiguousarray(codes, dtype=np.uint8).reshape(-1, 32))
        segs = list(self.segments)
        pending = self._pending_segment()
        if pending is not None:
            segs.append(pending)
        rows, labels, dists = [], [], []
        for seg in segs:
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

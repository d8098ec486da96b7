"""An inverted index of sound landmarks: which stored recordings share a query's sound, and where.

`audio.compare` decides that two recordings hold the same sound when enough of their landmarks
agree on one time offset. Comparing a query with every stored fingerprint that way costs time in
proportion to the archive. This index keeps, for every landmark hash, the list of (fingerprint,
anchor column) where it occurs (postings, sorted by hash, in immutable segments like the frame-
code index: same folder layout, write lock and atomic segments, see `segments.py`). A query looks
up its hashes, and counts postings per (fingerprint, time offset): exactly the counts that
`audio.compare` makes pair by pair, smoothed over one column of jitter the same way. With every
landmark indexed (`sample_bits=0`, the default) the answer is the one `audio.compare` gives against
every stored fingerprint, landmark counts, share and offset included, without reading them.

For archives too large to keep every landmark, `sample_bits=b` keeps the landmarks whose hash
falls in one 2**b-th of the hash space (chosen by a multiplicative hash, so a copy keeps the same
ones); the sampled votes only pick candidates (`SAMPLED_VOTES` aligned landmarks), each then
checked with `audio.compare` on its stored fingerprint. That can miss copies sharing few
landmarks; the benchmark measures how many.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cadena.media.fingerprint import audio
from cadena.media.fingerprint.segments import IndexDamaged, SegmentedIndex

FORMAT = "cadena-landmarks-1"
SMALL = 2_000_000  # postings: segments below this are merged when more than 8 pile up
SAMPLED_VOTES = 3  # aligned sampled landmarks that make a candidate (sample_bits > 0)
_BIAS = np.int64(1 << 31)  # keeps (fingerprint, offset) keys positive


def sampled(hashes: np.ndarray, bits: int) -> np.ndarray:
    """Which landmarks a `bits`-sampled index keeps: the same ones in every copy of a sound."""
    if bits == 0:
        return np.ones(len(hashes), dtype=bool)
    mixed = (hashes.astype(np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    return (mixed >> np.uint64(32 - bits)) == 0


@dataclass
class LandmarkSegment:
    """Postings sorted by landmark hash, and the landmark count of each fingerprint in it."""

    keys: np.ndarray  # (K,) uint32: the distinct hashes, sorted
    starts: np.ndarray  # (K + 1,) int64: postings of keys[i] are [starts[i], starts[i + 1])
    ids: np.ndarray  # (P,) uint32 (int64 past 2**32): the fingerprint each posting belongs to
    cols: np.ndarray  # (P,) int32: its anchor column
    groups: np.ndarray  # (G,) int64: the fingerprints here, sorted
    sizes: np.ndarray  # (G,) int64: all their landmarks (sampled or not)

    @classmethod
    def build(
        cls,
        hashes: np.ndarray,
        cols: np.ndarray,
        ids: np.ndarray,
        groups: np.ndarray,
        sizes: np.ndarray,
    ) -> LandmarkSegment:
        order = np.argsort(hashes, kind="stable")
        h = hashes[order]
        first = np.flatnonzero(np.r_[True, h[1:] != h[:-1]]) if len(h) else np.zeros(0, np.int64)
        starts = np.append(first, len(h)).astype(np.int64)
        g_order = np.argsort(groups, kind="stable")
        return cls(
            h[first].astype(np.uint32),
            starts,
            ids[order].astype(np.uint32 if ids.max(initial=0) < 2**32 else np.int64),
            cols[order].astype(np.int32),
            groups[g_order].astype(np.int64),
            sizes[g_order].astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def postings(self, qh: np.ndarray, qc: np.ndarray) -> np.ndarray:
        """For query landmarks (hashes, columns): a key per posting they hit, the fingerprint in
        the high 32 bits and its offset (posting's column minus the query's, biased) below."""
        if not len(self.keys) or not len(qh):
            return np.zeros(0, np.int64)
        pos = np.minimum(np.searchsorted(self.keys, qh), len(self.keys) - 1)
        found = np.flatnonzero(self.keys[pos] == qh)
        s = self.starts[pos[found]]
        lens = self.starts[pos[found] + 1] - s
        total = int(lens.sum())
        idx = np.repeat(s - (np.cumsum(lens) - lens), lens) + np.arange(total)
        out = np.asarray(self.ids[idx]).astype(np.int64)
        out <<= 32
        out |= np.asarray(self.cols[idx]) - np.repeat(qc[found] - _BIAS, lens)
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("keys", "starts", "ids", "cols", "sizes"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        np.save(folder / "groups.npy", self.groups)

    @classmethod
    def load(cls, folder: Path) -> LandmarkSegment:
        try:
            arrays = {
                n: np.load(folder / f"{n}.npy", mmap_mode="r")
                for n in ("keys", "starts", "ids", "cols", "groups", "sizes")
            }
        except FileNotFoundError:
            raise  # merged away meanwhile: the reader starts again from the manifest
        except (OSError, ValueError, EOFError) as exc:
            raise IndexDamaged(f"{folder}: unreadable segment ({exc})") from exc
        return cls(**arrays)


@dataclass(frozen=True)
class Votes:
    """Per stored fingerprint: its best-aligned shared landmarks with the query."""

    keys: np.ndarray  # fingerprint keys
    common: np.ndarray  # landmarks agreeing on the best offset (one column of jitter)
    delta: np.ndarray  # that offset, in columns (other's column minus the query's)
    sizes: np.ndarray  # the stored fingerprints' landmark counts


class LandmarkIndex(SegmentedIndex[LandmarkSegment]):
    """Sound landmarks of many fingerprints, for finding the same sound across an archive."""

    FORMAT = FORMAT

    def __init__(self, folder: str | Path | None = None, sample_bits: int = 0) -> None:
        self.sample_bits = sample_bits  # for a new index; an existing one keeps its own
        super().__init__(folder)

    def _check_meta(self, meta: dict[str, Any]) -> None:
        if "sample_bits" in meta:
            self.sample_bits = int(meta["sample_bits"])

    def _extra_meta(self) -> dict[str, Any]:
        return {"sample_bits": self.sample_bits}

    def _build(self, parts: list[tuple[np.ndarray, ...]]) -> LandmarkSegment:
        cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
        return LandmarkSegment.build(*cat)

    def _merge(self, segs: list[LandmarkSegment]) -> LandmarkSegment:
        names = ("keys", "cols", "ids", "groups", "sizes")
        # Postings are stored per key; expand the keys back to one hash per posting.
        hashes = np.concatenate([np.repeat(np.asarray(s.keys), np.diff(s.starts)) for s in segs])
        rest = [np.concatenate([np.asarray(getattr(s, n)) for s in segs]) for n in names[1:]]
        return LandmarkSegment.build(hashes, *rest)

    def _load(self, folder: Path) -> LandmarkSegment:
        return LandmarkSegment.load(folder)

    def _group_ids(self, seg: LandmarkSegment) -> np.ndarray:
        return np.asarray(seg.groups)

    def _is_small(self, seg: LandmarkSegment) -> bool:
        return len(seg) < SMALL

    def add(self, key: int, fp: audio.AudioFingerprint) -> None:
        """Queue one fingerprint's landmarks under `key`; searchable at once."""
        keep = sampled(fp.hashes, self.sample_bits)
        n = int(keep.sum())
        self._queue(
            (
                np.asarray(fp.hashes[keep], dtype=np.uint32),
                np.asarray(fp.columns[keep], dtype=np.int32),
                np.full(n, key, dtype=np.int64),
                np.array([key], dtype=np.int64),
                np.array([len(fp)], dtype=np.int64),
            )
        )

    def add_postings(
        self,
        hashes: np.ndarray,
        columns: np.ndarray,
        ids: np.ndarray,
        groups: np.ndarray,
        sizes: np.ndarray,
    ) -> None:
        """Queue many fingerprints' landmarks at once (a bulk load): `ids` names each landmark's
        fingerprint, `groups` and `sizes` list the fingerprints and their landmark counts."""
        keep = sampled(hashes, self.sample_bits)
        self._queue(
            (
                np.asarray(hashes[keep], dtype=np.uint32),
                np.asarray(columns[keep], dtype=np.int32),
                np.asarray(ids[keep], dtype=np.int64),
                np.asarray(groups, dtype=np.int64),
                np.asarray(sizes, dtype=np.int64),
            )
        )

    def votes(self, fp: audio.AudioFingerprint, at_least: int = 1) -> Votes:
        """Best-aligned shared landmarks of the query with each stored fingerprint, where at
        least `at_least` of them agree on one offset."""
        keep = sampled(fp.hashes, self.sample_bits)
        qh, qc = fp.hashes[keep].astype(np.uint32), fp.columns[keep].astype(np.int64)
        hits, sizes = [], []
        for seg in self._searched():
            got = seg.postings(qh, qc)
            if len(got):
                hits.append(got)
                sizes.append((np.asarray(seg.groups), np.asarray(seg.sizes)))
        if not hits:
            empty = np.zeros(0, np.int64)
            return Votes(empty, empty, empty, empty)
        # Count postings per (fingerprint, offset): one sort (np.unique's counting is slower).
        keys = np.concatenate(hits)
        keys.sort()
        edge = np.empty(len(keys), dtype=bool)
        edge[0] = True
        np.not_equal(keys[1:], keys[:-1], out=edge[1:])
        starts = np.flatnonzero(edge)
        u, n = keys[starts], np.diff(starts, append=len(keys))
        smooth = n.copy()
        smooth[1:] += n[:-1] * (np.diff(u) == 1)  # the offset one column earlier, as compare does
        enough = smooth >= at_least
        u, smooth = u[enough], smooth[enough]
        group = u >> 32
        # Per fingerprint the best count, the smallest offset on ties (as np.argmax in compare).
        order = np.lexsort((u, -smooth, group))
        first = order[np.r_[True, group[order][1:] != group[order][:-1]]] if len(u) else order
        found = group[first]
        if self.visible is not None:
            first = first[np.isin(found, self.visible)]
            found = group[first]
        size = np.zeros(len(found), np.int64)
        for g, z in sizes:
            at = np.minimum(np.searchsorted(g, found), max(len(g) - 1, 0))
            hit = g[at] == found if len(g) else np.zeros(len(found), bool)
            size[hit] = z[at[hit]]
        return Votes(found, smooth[first], (u[first] & 0xFFFFFFFF) - _BIAS, size)

    def query(
        self,
        fp: audio.AudioFingerprint,
        load: Callable[[int], audio.AudioFingerprint] | None = None,
    ) -> dict[int, audio.AudioMatch]:
        """Stored fingerprints holding the query's sound: the same answers as `audio.compare`.

        A sampled index needs `load` (a key's stored fingerprint) to check its candidates.
        """
        if not len(fp):
            return {}
        v = self.votes(fp, SAMPLED_VOTES if self.sample_bits else audio.MIN_COMMON)
        if self.sample_bits:
            if load is None:
                raise ValueError("a sampled index checks its candidates: give `load`")
            out = {}
            for key in v.keys.tolist():
                m = audio.compare(fp, load(key))
                if m is not None:
                    out[key] = m
            return out
        share = v.common / np.maximum(np.minimum(len(fp), v.sizes), 1)
        ok = (v.common >= audio.MIN_COMMON) & (share >= audio.MIN_SHARE)
        return {
            int(k): audio.AudioMatch(int(c), round(float(s), 3), _seconds(int(d)))
            for k, c, s, d in zip(v.keys[ok], v.common[ok], share[ok], v.delta[ok], strict=True)
        }


def _seconds(columns: int) -> float:
    return round(float(columns) * audio.HOP / audio.RATE, 3)

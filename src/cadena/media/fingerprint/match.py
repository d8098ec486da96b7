"""Deciding that two videos show the same footage, from frame-code hits in a `CodeIndex`.

A hit is a query frame's code (any crop, any orientation) within the radius of a stored frame's
upright code. Two videos match when at least `MIN_FRAMES` of the query's usable frames hit (one, if
the query has a single usable frame, e.g. a photo) and the hits cover at least `MIN_COVERAGE` of
the shorter side's usable frames; this keeps the rare chance hit between unrelated frames from
making a match. The time offset (where in the other video the query starts) is the most common
difference of matched frame times, taken over 0.5 s bins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cadena.media.fingerprint.index import CodeIndex
from cadena.media.fingerprint.video import CROPS, MIN_QUALITY, MIRROR, UPRIGHT, VideoFingerprint

RADIUS = 31
WEAK_RADIUS = 16  # for hits on a frame of PDQ quality under 50 (see video.WEAK_QUALITY)
MIN_FRAMES = 2
MIN_COVERAGE = 0.2
_FRAME_BITS, _CROP_BITS = 21, 3


def label(key: int, frame: np.ndarray, crop: np.ndarray) -> np.ndarray:
    return (
        (np.int64(key) << (_FRAME_BITS + _CROP_BITS))
        | (frame.astype(np.int64) << _CROP_BITS)
        | crop
    )


def unlabel(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    key = labels >> (_FRAME_BITS + _CROP_BITS)
    frame = (labels >> _CROP_BITS) & ((1 << _FRAME_BITS) - 1)
    return key, frame, labels & ((1 << _CROP_BITS) - 1)


@dataclass(frozen=True)
class FootageMatch:
    key: int  # the other fingerprint's key
    distance: int  # median over matched query frames of the best distance
    query_frames: int  # usable frames of the query
    matched_query_frames: int
    target_frames: int
    matched_target_frames: int
    offset: float  # seconds: the query's time 0 falls at this time in the other video
    mirrored: bool
    rotated: bool
    cropped: bool

    @property
    def coverage(self) -> float:
        return max(
            self.matched_query_frames / max(self.query_frames, 1),
            self.matched_target_frames / max(self.target_frames, 1),
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "coverage": round(self.coverage, 3)}


@dataclass
class Hits:
    q_frame: np.ndarray
    q_crop: np.ndarray
    q_orient: np.ndarray
    t_frame: np.ndarray
    t_crop: np.ndarray
    dist: np.ndarray


def decide(
    query: VideoFingerprint, target: VideoFingerprint, hits: Hits, key: int
) -> FootageMatch | None:
    """A match between two fingerprints from their frame hits, or None."""
    weak = (query.quality[hits.q_frame] < MIN_QUALITY) | (
        target.quality[hits.t_frame] < MIN_QUALITY
    )
    keep = ~weak | (hits.dist <= WEAK_RADIUS)
    if not keep.all():
        hits = Hits(*(getattr(hits, f)[keep] for f in Hits.__dataclass_fields__))
    if not len(hits.dist):
        return None
    nq, nt = len(query.usable), len(target.usable)
    q_frames = np.unique(hits.q_frame)
    t_frames = np.unique(hits.t_frame)
    need = MIN_FRAMES if min(nq, nt) >= MIN_FRAMES else 1
    coverage = max(len(q_frames) / max(nq, 1), len(t_frames) / max(nt, 1))
    if min(len(q_frames), len(t_frames)) < need or coverage < MIN_COVERAGE:
        return None
    # Best hit per query frame: its distance, and the time difference it implies.
    # On ties prefer the plain explanation: whole picture, upright.
    plain = (hits.q_crop != 0).astype(int) + (hits.t_crop != 0) + (hits.q_orient != UPRIGHT)
    order = np.lexsort((plain, hits.dist, hits.q_frame))
    first = order[np.r_[True, np.diff(hits.q_frame[order]) != 0]]
    deltas = target.times[hits.t_frame[first]] - query.times[hits.q_frame[first]]
    bins = np.round(deltas / 0.5).astype(np.int64)
    values, counts = np.unique(bins, return_counts=True)
    mode = values[np.argmax(counts)]
    offset = float(np.median(deltas[bins == mode]))
    best = first
    return FootageMatch(
        key=int(key),
        distance=int(np.median(hits.dist[best])),
        query_frames=nq,
        matched_query_frames=len(q_frames),
        target_frames=nt,
        matched_target_frames=len(t_frames),
        offset=round(offset, 3),
        mirrored=_mostly_without(hits, hits.q_orient == UPRIGHT)
        and _mostly_without(hits, hits.q_orient != MIRROR),
        rotated=_mostly_without(hits, np.isin(hits.q_orient, (UPRIGHT, MIRROR))),
        cropped=_mostly_without(hits, (hits.q_crop == 0) & (hits.t_crop == 0)),
    )


def _mostly_without(hits: Hits, plain: np.ndarray) -> bool:
    """True when most matched query frames have no hit of the `plain` kind (e.g. uncropped)."""
    frames = np.unique(hits.q_frame)
    with_plain = np.unique(hits.q_frame[plain])
    return len(with_plain) < len(frames) / 2


class FootageIndex:
    """Video fingerprints in a `CodeIndex`, queried video against video."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.codes = CodeIndex(folder, group_shift=_FRAME_BITS + _CROP_BITS)

    def add(self, key: int, fp: VideoFingerprint) -> None:
        codes, frame, crop = fp.index_codes()
        self.codes.add(codes, label(key, frame, crop))

    def hits(self, fp: VideoFingerprint, radius: int = RADIUS) -> dict[int, Hits]:
        """Frame hits of a query fingerprint, grouped by the stored fingerprint's key."""
        codes, frame, crop, orient = fp.query_codes()
        rows, labels, dist = self.codes.search_many(codes, radius)
        keys, t_frame, t_crop = unlabel(labels)
        out: dict[int, Hits] = {}
        for k in np.unique(keys):
            sel = keys == k
            r = rows[sel]
            out[int(k)] = Hits(frame[r], crop[r], orient[r], t_frame[sel], t_crop[sel], dist[sel])
        return out

    def query(
        self,
        fp: VideoFingerprint,
        load: Callable[[int], VideoFingerprint],
        exclude: set[int] | None = None,
        radius: int = RADIUS,
    ) -> list[FootageMatch]:
        """Stored fingerprints showing the same footage as `fp`, closest first."""
        found = []
        for key, hits in self.hits(fp, radius).items():
            if exclude and key in exclude:
                continue
            m = decide(fp, load(key), hits, key)
            if m is not None:
                found.append(m)
        return sorted(found, key=lambda m: (-m.coverage, m.distance, m.key))


__all__ = ["CROPS", "FootageIndex", "FootageMatch", "decide", "label", "unlabel"]

"""Fingerprints of a case's items: computed once, stored in the database, indexed beside the case.

`ensure(case, items)` fingerprints what is not fingerprinted yet (at the current versions): the
video fingerprint and the sound's landmarks, plus the scene-change frames as JPEG derivatives
(content-addressed, naming tool, version and parameters, logged `derive` in custody). Each stored
fingerprint is logged too. A file that cannot be read gets a row saying why, so it is not retried
on every run; the original is untouched either way.

The frame codes of every video fingerprint live in a `FootageIndex` under
`<case>/index/footage/`, keyed by the fingerprint's row id; `footage_index` brings it up to date
with the database (it can always be rebuilt from the rows: delete the folder).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadena import __version__
from cadena.errors import CadenaError
from cadena.media import frames
from cadena.media.fingerprint import audio, video
from cadena.media.fingerprint import vpdq as vpdq_format
from cadena.media.fingerprint.audio_index import LandmarkIndex
from cadena.media.fingerprint.index import CodeIndex
from cadena.media.fingerprint.match import FootageIndex
from cadena.media.fingerprint.models import Fingerprint
from cadena.media.fingerprint.segments import IndexDamaged, SegmentedIndex, SegmentFolder
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import Item

TOOL = "cadena.media.fingerprint"
VPDQ_KIND, VPDQ_VERSION = "vpdq", "1"
CURRENT = {video.KIND: video.VERSION, audio.KIND: audio.VERSION, VPDQ_KIND: VPDQ_VERSION}
WANTED = {"video": (video.KIND, audio.KIND), "image": (video.KIND,), "audio": (audio.KIND,)}
THUMB_SIDE = 320
KEYFRAME_PARAMS: dict[str, Any] = {
    "selection": "scene-change",
    "max_side": THUMB_SIDE,
    "format": "jpeg",
    "quality": 85,
}


def _row(
    item: str,
    kind: str,
    version: str,
    params: dict[str, Any],
    data: bytes,
    n: int,
    duration: float,
    problem: str | None = None,
) -> Fingerprint:
    return Fingerprint(
        item_sha256=item,
        kind=kind,
        version=version,
        tool=TOOL,
        tool_version=__version__,
        params=params,
        data=data,
        data_sha256=hashlib.sha256(data).hexdigest(),
        frames=n,
        duration=duration,
        problem=problem,
        created_at=custody.now(),
    )


def _store(case: Case, s: Session, row: Fingerprint) -> Fingerprint:
    s.add(row)
    s.flush()
    case.log(
        s,
        "derive",
        row.item_sha256,
        {
            "fingerprint": row.kind,
            "version": row.version,
            "data_sha256": row.data_sha256,
            "frames": row.frames,
            "tool": row.tool,
            "tool_version": row.tool_version,
            "params": row.params,
            "problem": row.problem,
        },
    )
    return row


def have(s: Session, item: str, kind: str, version: str) -> Fingerprint | None:
    return s.execute(
        select(Fingerprint).where(
            Fingerprint.item_sha256 == item,
            Fingerprint.kind == kind,
            Fingerprint.version == version,
        )
    ).scalar_one_or_none()


def fingerprint_file(
    path: Path, kind: str
) -> tuple[video.VideoFingerprint | None, audio.AudioFingerprint | None, list[frames.SampledFrame]]:
    """Video (or image) and sound fingerprints of a file, and its sampled frames."""
    if kind == "image":
        try:
            with Image.open(path) as im:
                rgb = np.asarray(im.convert("RGB"))
        except (UnidentifiedImageError, OSError) as exc:
            raise CadenaError(f"{path}: cannot be read as an image ({exc}).") from exc
        return video.fingerprint_image(rgb), None, []
    if kind == "audio":
        return None, audio.fingerprint_audio(path), []
    sampled = frames.sample_frames(path)  # the defaults the benchmarks measure
    info = frames.probe(path)
    vfp = video.from_frames(sampled, info.duration, video.params())
    afp = audio.fingerprint_audio(path) if info.has_audio else None
    return vfp, afp, sampled


@dataclass
class _Work:
    """What fingerprinting one item made, before it is stored (computed outside a transaction)."""

    kinds: set[str]
    rows: list[Fingerprint] = field(default_factory=list)
    keyframes: list[tuple[bytes, dict[str, Any]]] = field(default_factory=list)


def _todo(s: Session, item: Item, with_vpdq: bool) -> set[str]:
    """The fingerprint kinds an item still lacks at the current versions."""
    if item.kind not in ("video", "image", "audio"):
        return set()
    want = set(WANTED[item.kind]) | ({VPDQ_KIND} if with_vpdq and item.kind == "video" else set())
    return {k for k in want if have(s, item.sha256, k, CURRENT[k]) is None}


def _compute(case: Case, sha: str, kind: str, todo: set[str]) -> _Work:
    """Decode and hash (the slow part), holding no database transaction."""
    work = _Work(todo)
    path = case.blobs.local_path(sha)
    if todo & {video.KIND, audio.KIND}:
        try:
            vfp, afp, sampled = fingerprint_file(path, kind)
        except CadenaError as exc:
            problem = str(exc)[:500]
            for k in sorted(todo & {video.KIND, audio.KIND}):
                work.rows.append(_row(sha, k, CURRENT[k], {}, b"", 0, 0.0, problem))
        else:
            if video.KIND in todo and vfp is not None:
                for f in frames.scene_changes(sampled):
                    params = {**KEYFRAME_PARAMS, "time": f.time, "keyframe": f.keyframe}
                    work.keyframes.append((frames.thumbnail(f.image, THUMB_SIDE), params))
                data = vfp.to_bytes()
                work.rows.append(
                    _row(sha, video.KIND, video.VERSION, vfp.params, data, len(vfp), vfp.duration)
                )
            if audio.KIND in todo:
                data = afp.to_bytes() if afp is not None else b""
                n, duration = (len(afp), afp.duration) if afp is not None else (0, 0.0)
                params = {"rate": audio.RATE, "hop": audio.HOP}
                silent = None if afp is not None else "no sound"
                work.rows.append(
                    _row(sha, audio.KIND, audio.VERSION, params, data, n, duration, silent)
                )
    if VPDQ_KIND in todo:
        try:
            feats = vpdq_format.compute(path)
            text = vpdq_format.dumps(feats).encode()
            last = feats[-1].timestamp if feats else 0.0
            row = _row(
                sha, VPDQ_KIND, VPDQ_VERSION, {"seconds_per_hash": 1.0}, text, len(feats), last
            )
        except CadenaError as exc:
            row = _row(sha, VPDQ_KIND, VPDQ_VERSION, {}, b"", 0, 0.0, str(exc)[:500])
        work.rows.append(row)
    return work


def _store_work(case: Case, s: Session, sha: str, work: _Work) -> int:
    """Store what another process has not stored meanwhile; returns the rows stored."""
    made = 0
    for row in work.rows:
        if have(s, sha, row.kind, row.version) is not None:
            continue
        if row.kind == video.KIND:
            for data, params in work.keyframes:
                case.add_derivative(
                    s,
                    sha,
                    data,
                    kind="keyframe",
                    tool=frames.TOOL,
                    tool_version=frames.TOOL_VERSION,
                    params=params,
                    media_type="image/jpeg",
                )
        _store(case, s, _copy(row))
        made += 1
    return made


def _copy(row: Fingerprint) -> Fingerprint:
    """A fresh row (one rolled back with a failed transaction cannot be added again)."""
    fields = ("item_sha256", "kind", "version", "tool", "tool_version", "params", "data")
    more = ("data_sha256", "frames", "duration", "problem", "created_at")
    return Fingerprint(**{f: getattr(row, f) for f in fields + more})


def ensure_one(case: Case, sha: str, with_vpdq: bool = False) -> int:
    """Fingerprint one item unless done already (by this or another process); rows made.

    Several processes may fingerprint the same case at once: each computes outside any
    transaction, then stores in a short one what is still missing. On PostgreSQL two may race to
    the same row; the loser's transaction fails on the unique key and is tried again, storing
    only what is still missing.
    """
    with case.session(write=False) as s:
        item = s.get(Item, sha)
        if item is None:
            return 0
        kind, todo = item.kind, _todo(s, item, with_vpdq)
    if not todo:
        return 0
    work = _compute(case, sha, kind, todo)
    for attempt in range(3):
        try:
            with case.session() as s:
                return _store_work(case, s, sha, work)
        except IntegrityError:
            if attempt == 2:
                raise
    return 0


def ensure(
    case: Case,
    refs: Iterable[str] | None = None,
    with_vpdq: bool = False,
    advance: Callable[[str], None] | None = None,
) -> int:
    """Fingerprint the given items (or every item lacking one), one transaction per item.

    Returns the number of fingerprints made; `advance` is called once per item looked at. The
    indexes are brought up to date at the end (and, after a crash, at their next use).
    """
    with case.session(write=False) as s:
        if refs is None:
            shas = lacking(s, with_vpdq)
        else:
            shas = [case.resolve_item(s, r).sha256 for r in refs]
    made = 0
    for sha in shas:
        made += ensure_one(case, sha, with_vpdq)
        if advance is not None:
            advance(sha)
    if made:
        update_indexes(case)
    return made


def update_indexes(case: Case) -> dict[str, int]:
    """Bring the frame-code and sound indexes up to date with the stored fingerprints.

    Returns how many fingerprints each holds now.
    """
    with case.session(write=False) as s:
        frames_index = footage_index(case, s)
        sound = sound_index(case, s)
    return {"frames": len(frames_index.codes.groups()), "sound": len(sound.groups())}


def lacking(s: Session, with_vpdq: bool = False) -> list[str]:
    """Items of a fingerprintable kind missing a fingerprint at the current versions."""
    done: dict[str, set[str]] = {}
    for sha, kind, version in s.execute(
        select(Fingerprint.item_sha256, Fingerprint.kind, Fingerprint.version)
    ).all():
        if version == CURRENT.get(kind):
            done.setdefault(sha, set()).add(kind)
    out = []
    for sha, kind in s.execute(select(Item.sha256, Item.kind).order_by(Item.added_at)).all():
        want = set(WANTED.get(kind, ()))
        if with_vpdq and kind == "video":
            want.add(VPDQ_KIND)
        if want - done.get(sha, set()):
            out.append(sha)
    return out


def load_video(s: Session, row_id: int) -> video.VideoFingerprint:
    row = s.get(Fingerprint, row_id)
    if row is None or not row.data:
        raise KeyError(row_id)
    return video.VideoFingerprint.from_bytes(row.data, row.params)


def load_audio(s: Session, row_id: int) -> audio.AudioFingerprint:
    row = s.get(Fingerprint, row_id)
    if row is None or not row.data:
        raise KeyError(row_id)
    return audio.AudioFingerprint.from_bytes(row.data)


def index_folder(case: Case) -> Path:
    return Path(case.config.root) / "index" / "footage"


def sound_folder(case: Case) -> Path:
    return Path(case.config.root) / "index" / "sound"


X = TypeVar("X")


@dataclass(frozen=True)
class _Kept(Generic[X]):
    """One index kept beside the case: where, of which fingerprints, and how to fill it."""

    folder: Callable[[Case], Path]
    fmt: str
    kind: str
    version: str
    make: Callable[[Path], X]  # open the index object
    inner: Callable[[X], SegmentedIndex[Any]]  # its segments
    add: Callable[[X, int, Session], None]  # add one stored fingerprint


FRAMES: _Kept[FootageIndex] = _Kept(
    index_folder,
    CodeIndex.FORMAT,
    video.KIND,
    video.VERSION,
    FootageIndex,
    lambda x: x.codes,
    lambda x, row_id, s: x.add(row_id, load_video(s, row_id)),
)
SOUND: _Kept[LandmarkIndex] = _Kept(
    sound_folder,
    LandmarkIndex.FORMAT,
    audio.KIND,
    audio.VERSION,
    LandmarkIndex,
    lambda x: x,
    lambda x, row_id, s: x.add(row_id, load_audio(s, row_id)),
)


def _ids(s: Session, kept: _Kept[Any], among: Iterable[int] | None = None) -> set[int]:
    """Ids of the stored fingerprints an index should hold (current version, readable)."""
    q = select(Fingerprint.id).where(
        Fingerprint.kind == kept.kind,
        Fingerprint.version == kept.version,
        Fingerprint.problem.is_(None),
    )
    if among is not None:
        q = q.where(Fingerprint.id.in_(list(among)))
    return set(s.execute(q).scalars())


def _synced(case: Case, s: Session, kept: _Kept[X]) -> X:
    """An index with every fingerprint of its kind that `s` can see in it.

    Reading takes no lock. When fingerprints are missing (or the index holds some the case no
    longer has, or cannot be read) the index is brought up to date under its write lock, against
    a fresh view of the database, so that two processes doing this at once add each fingerprint
    once. Searches are limited to what `s` can resolve.
    """
    wanted = _ids(s, kept)
    try:
        index = kept.make(kept.folder(case))
        known = kept.inner(index).groups()
    except IndexDamaged:
        return _rebuild(case, s, kept)
    if wanted - known or _gone(case, kept, known - wanted):
        _catch_up(case, kept, index)
    inner = kept.inner(index)
    if inner.groups() != wanted:
        inner.visible = np.array(sorted(wanted), dtype=np.int64)
    return index


def _gone(case: Case, kept: _Kept[Any], extra: set[int]) -> bool:
    """Whether the index holds fingerprints the case no longer has (beyond a reader's view:
    another process may have added them since; a fresh view tells)."""
    if not extra:
        return False
    with case.session(write=False) as fresh:
        return bool(extra - _ids(fresh, kept, extra))


def _catch_up(case: Case, kept: _Kept[X], index: X) -> None:
    inner = kept.inner(index)
    with inner.writing(), case.session(write=False) as fresh:
        current = _ids(fresh, kept)
        known = inner.groups()
        stale = bool(known - current)
        if stale:  # fingerprints gone from the case (or another version): start over
            inner.clear()
            known = set()
        for row_id in sorted(current - known):
            kept.add(index, row_id, fresh)
        if stale or current - known:
            inner.flush()


def _rebuild(case: Case, s: Session | None, kept: _Kept[X]) -> X:
    folder = kept.folder(case)
    try:
        index = kept.make(folder)
    except IndexDamaged:
        disk = SegmentFolder(folder, kept.fmt)
        with disk.lock():
            disk.reset()  # unreadable: readers see an empty index until the rebuild lands
        index = kept.make(folder)
    inner = kept.inner(index)
    with inner.writing():
        inner.clear()
        _catch_up(case, kept, index)
        inner.flush()  # the cleared list, even when there was nothing to add
    if s is not None:
        inner.visible = np.array(sorted(_ids(s, kept)), dtype=np.int64)
    return index


def footage_index(case: Case, s: Session) -> FootageIndex:
    """The case's frame-code index, with every video fingerprint `s` can see in it."""
    return _synced(case, s, FRAMES)


def sound_index(case: Case, s: Session) -> LandmarkIndex:
    """The case's sound-landmark index, with every sound fingerprint `s` can see in it."""
    return _synced(case, s, SOUND)


def rebuild_indexes(case: Case) -> dict[str, int]:
    """Build both indexes anew from the stored fingerprints; the old stay readable meanwhile.

    Returns how many fingerprints each holds now.
    """
    frames_index = _rebuild(case, None, FRAMES)
    sound = _rebuild(case, None, SOUND)
    return {"frames": len(frames_index.codes.groups()), "sound": len(sound.groups())}


def sound_matches(
    case: Case, s: Session, query: audio.AudioFingerprint, skip: str | None = None
) -> dict[str, audio.AudioMatch]:
    """Items whose sound holds the query's (by item), through the sound index."""
    found = sound_index(case, s).query(query, lambda key: load_audio(s, key))
    if not found:
        return {}
    owner = dict(
        s.execute(
            select(Fingerprint.id, Fingerprint.item_sha256).where(Fingerprint.id.in_(list(found)))
        ).all()
    )
    return {owner[k]: m for k, m in found.items() if k in owner and owner[k] != skip}

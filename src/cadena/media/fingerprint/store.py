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
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena import __version__
from cadena.errors import CadenaError
from cadena.media import frames
from cadena.media.fingerprint import audio, video
from cadena.media.fingerprint import vpdq as vpdq_format
from cadena.media.fingerprint.match import FootageIndex
from cadena.media.fingerprint.models import Fingerprint
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
    p = video_params()
    sampled = frames.sample_frames(path, max_gap=p["max_gap"], step=p["step"])
    info = frames.probe(path)
    vfp = video.from_frames(sampled, info.duration, video_params())
    afp = audio.fingerprint_audio(path) if info.has_audio else None
    return vfp, afp, sampled


def video_params() -> dict[str, Any]:
    return {
        "max_gap": 1.0,
        "step": 0.125,
        "keyframes_only": False,
        "max_side": 320,
        "crops": [c[0] for c in video.CROPS],
        "version": video.VERSION,
    }


def ensure_item(case: Case, s: Session, item: Item, with_vpdq: bool = False) -> list[Fingerprint]:
    """Fingerprint one item unless done already; returns the rows made now."""
    if item.kind not in ("video", "image", "audio"):
        return []
    made: list[Fingerprint] = []
    wants_video = item.kind != "audio" and have(s, item.sha256, video.KIND, video.VERSION) is None
    wants_audio = item.kind != "image" and have(s, item.sha256, audio.KIND, audio.VERSION) is None
    if wants_video or wants_audio:
        made += _fingerprint(case, s, item, wants_video, wants_audio)
    if with_vpdq and item.kind == "video" and have(s, item.sha256, VPDQ_KIND, VPDQ_VERSION) is None:
        path = case.blobs.local_path(item.sha256)
        try:
            feats = vpdq_format.compute(path)
            text = vpdq_format.dumps(feats).encode()
            row = _row(
                item.sha256,
                VPDQ_KIND,
                VPDQ_VERSION,
                {"seconds_per_hash": 1.0},
                text,
                len(feats),
                feats[-1].timestamp if feats else 0.0,
            )
        except CadenaError as exc:
            row = _row(item.sha256, VPDQ_KIND, VPDQ_VERSION, {}, b"", 0, 0.0, str(exc)[:500])
        made.append(_store(case, s, row))
    return made


def _fingerprint(
    case: Case, s: Session, item: Item, wants_video: bool, wants_audio: bool
) -> list[Fingerprint]:
    path = case.blobs.local_path(item.sha256)
    try:
        vfp, afp, sampled = fingerprint_file(path, item.kind)
    except CadenaError as exc:
        problem = str(exc)[:500]
        kinds = [(video.KIND, video.VERSION)] if wants_video else []
        kinds += [(audio.KIND, audio.VERSION)] if wants_audio and item.kind != "image" else []
        return [
            _store(case, s, _row(item.sha256, k, v, {}, b"", 0, 0.0, problem)) for k, v in kinds
        ]
    made = []
    if wants_video and vfp is not None:
        for f in frames.scene_changes(sampled):
            case.add_derivative(
                s,
                item.sha256,
                frames.thumbnail(f.image, THUMB_SIDE),
                kind="keyframe",
                tool=frames.TOOL,
                tool_version=frames.TOOL_VERSION,
                params={**KEYFRAME_PARAMS, "time": f.time, "keyframe": f.keyframe},
                media_type="image/jpeg",
            )
        made.append(
            _store(
                case,
                s,
                _row(
                    item.sha256,
                    video.KIND,
                    video.VERSION,
                    vfp.params,
                    vfp.to_bytes(),
                    len(vfp),
                    vfp.duration,
                ),
            )
        )
    if wants_audio and item.kind != "image":
        data = afp.to_bytes() if afp is not None else b""
        sound_problem = None if afp is not None else "no sound"
        made.append(
            _store(
                case,
                s,
                _row(
                    item.sha256,
                    audio.KIND,
                    audio.VERSION,
                    {"rate": audio.RATE, "hop": audio.HOP},
                    data,
                    len(afp) if afp else 0,
                    afp.duration if afp else 0.0,
                    sound_problem,
                ),
            )
        )
    return made


def ensure(
    case: Case,
    refs: Iterable[str] | None = None,
    with_vpdq: bool = False,
    advance: Callable[[str], None] | None = None,
) -> int:
    """Fingerprint the given items (or every item lacking one), one transaction per item.

    Returns the number of fingerprints made; `advance` is called once per item looked at.
    """
    with case.session(write=False) as s:
        if refs is None:
            shas = lacking(s, with_vpdq)
        else:
            shas = [case.resolve_item(s, r).sha256 for r in refs]
    made = 0
    for sha in shas:
        with case.session() as s:
            item = s.get(Item, sha)
            if item is not None:
                made += len(ensure_item(case, s, item, with_vpdq))
        if advance is not None:
            advance(sha)
    return made


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


def index_folder(case: Case) -> Path:
    return Path(case.config.root) / "index" / "footage"


def footage_index(case: Case, s: Session) -> FootageIndex:
    """The case's frame-code index, with every stored video fingerprint in it."""
    folder = index_folder(case)
    index = FootageIndex(folder)
    known = index.codes.groups()  # the fingerprint ids already in the index
    rows = s.execute(
        select(Fingerprint.id).where(
            Fingerprint.kind == video.KIND,
            Fingerprint.version == video.VERSION,
            Fingerprint.problem.is_(None),
        )
    ).scalars()
    new = [r for r in rows if r not in known]
    for row_id in new:
        index.add(row_id, load_video(s, row_id))
    if new:
        index.codes.flush()
    return index

"""Same footage in a case: similar items, clusters of copies, and the earliest upload.

Two items show the same footage when their pictures match (`match.decide` over the frame-code
index: whole picture, crops, mirror, bars removed) or their sound matches (`audio.compare`).
Clusters are the connected groups of that relation. Within a cluster the copies are ranked by the
earliest posting time among each item's sources; the earliest is proposed as the earliest upload,
with the reason in words. Nothing here is a verdict: an earlier posting time is evidence of an
earlier upload only as far as the sources' times can be trusted, and the reason says which source
it rests on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.media.fingerprint import audio, store, video
from cadena.media.fingerprint.match import FootageMatch
from cadena.media.fingerprint.models import Fingerprint
from cadena.vault.case import Case
from cadena.vault.models import Item, Source


@dataclass
class Similar:
    """One item showing the same footage as the query."""

    item: str
    by: list[str]  # "picture", "sound"
    distance: int | None = None  # PDQ bits, median over matched frames
    coverage: float | None = None  # share of frames matched (of the shorter side)
    offset_s: float | None = None  # the query's time 0 falls here in this item
    mirrored: bool = False
    cropped: bool = False
    rotated: bool = False
    sound_landmarks: int | None = None
    posted_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Cluster:
    items: list[dict[str, Any]]  # ranked: earliest posting first, undated last
    earliest: dict[str, Any] | None
    pairs: list[dict[str, Any]] = field(default_factory=list)


def _utc(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def earliest_source(s: Session, sha: str) -> Source | None:
    dated = [
        (t, src)
        for src in s.execute(select(Source).where(Source.item_sha256 == sha)).scalars()
        if (t := _utc(src.posted_at)) is not None
    ]
    return min(dated, key=lambda p: (p[0], p[1].id))[1] if dated else None


def _rows(s: Session, sha: str) -> dict[str, Fingerprint]:
    found = s.execute(select(Fingerprint).where(Fingerprint.item_sha256 == sha)).scalars()
    current = {video.KIND: video.VERSION, audio.KIND: audio.VERSION}
    return {r.kind: r for r in found if current.get(r.kind) == r.version and r.problem is None}


def _similar(
    case: Case,
    s: Session,
    vfp: video.VideoFingerprint | None,
    afp: audio.AudioFingerprint | None,
    skip: str | None,
) -> list[Similar]:
    found: dict[str, Similar] = {}
    if vfp is not None and len(vfp.usable):
        index = store.footage_index(case, s)
        owner = dict(
            s.execute(
                select(Fingerprint.id, Fingerprint.item_sha256).where(
                    Fingerprint.kind == video.KIND
                )
            ).all()
        )
        matches: list[FootageMatch] = index.query(vfp, lambda key: store.load_video(s, key))
        for m in matches:
            sha = owner.get(m.key)
            if sha is None or sha == skip:
                continue
            found[sha] = Similar(
                sha,
                ["picture"],
                m.distance,
                round(m.coverage, 3),
                m.offset,
                m.mirrored,
                m.cropped,
                m.rotated,
            )
    if afp is not None and len(afp):
        for sha, am in store.sound_matches(case, s, afp, skip).items():  # sound index
            hit = found.setdefault(sha, Similar(sha, []))
            hit.by.append("sound")
            hit.sound_landmarks = am.common
            if hit.offset_s is None:
                hit.offset_s = am.offset
    for hit in found.values():
        src = earliest_source(s, hit.item)
        hit.posted_at = src.posted_at if src is not None else None
    return sorted(found.values(), key=lambda h: (-(h.coverage or 0), h.distance or 0, h.item))


def similar(case: Case, ref: str) -> tuple[dict[str, Any], list[Similar]]:
    """Items showing the same footage as an item (SHA-256 prefix) or an outside file (path)."""
    path = Path(ref)
    store.ensure(case)  # every item lacking a fingerprint gets one (once)
    if path.is_file():
        kind = _kind_of(path)
        vfp, afp, _ = store.fingerprint_file(path, kind)
        with case.session(write=False) as s:
            return {"file": str(path), "kind": kind}, _similar(case, s, vfp, afp, None)
    with case.session(write=False) as s:
        sha = case.resolve_item(s, ref).sha256
    with case.session(write=False) as s:
        rows = _rows(s, sha)
        vrow, arow = rows.get(video.KIND), rows.get(audio.KIND)
        vfp = video.VideoFingerprint.from_bytes(vrow.data) if vrow else None
        afp = audio.AudioFingerprint.from_bytes(arow.data) if arow else None
        item = s.get(Item, sha)
        query = {"item": sha, "kind": item.kind if item else None}
        return query, _similar(case, s, vfp, afp, sha)


def _kind_of(path: Path) -> str:
    """Image, video or audio, for a file given on the command line (not an item)."""
    try:
        with Image.open(path) as im:
            im.verify()
        return "image"
    except (UnidentifiedImageError, OSError):
        pass
    with store.frames.open_media(path) as c:
        if c.streams.video:
            return "video"
        if c.streams.audio:
            return "audio"
    raise CadenaError(f"{path}: holds neither a picture nor sound that can be read.")


def clusters(case: Case) -> list[Cluster]:
    """The case's items grouped into same-footage clusters (two items or more)."""
    store.ensure(case)
    with case.session(write=False) as s:
        shas = list(
            s.execute(
                select(Fingerprint.item_sha256).where(Fingerprint.problem.is_(None)).distinct()
            ).scalars()
        )
        parent = {sha: sha for sha in shas}

        def root(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        pairs: list[tuple[str, Similar]] = []
        for sha in sorted(shas):
            rows = _rows(s, sha)
            vrow, arow = rows.get(video.KIND), rows.get(audio.KIND)
            vfp = video.VideoFingerprint.from_bytes(vrow.data) if vrow else None
            afp = audio.AudioFingerprint.from_bytes(arow.data) if arow else None
            for hit in _similar(case, s, vfp, afp, sha):
                if hit.item in parent:
                    parent[root(hit.item)] = root(sha)
                    pairs.append((sha, hit))
        groups: dict[str, list[str]] = {}
        for sha in shas:
            groups.setdefault(root(sha), []).append(sha)
        out = [_cluster(s, members, pairs) for members in groups.values() if len(members) > 1]
    return sorted(out, key=lambda c: (-len(c.items), c.items[0]["item"]))


def _cluster(s: Session, members: list[str], pairs: list[tuple[str, Similar]]) -> Cluster:
    ranked: list[dict[str, Any]] = []
    for sha in members:
        src = earliest_source(s, sha)
        item = s.get(Item, sha)
        ranked.append(
            {
                "item": sha,
                "kind": item.kind if item else None,
                "posted_at": src.posted_at if src else None,
                "source": src.id if src else None,
                "platform": src.platform if src else None,
                "account": src.account if src else None,
                "url": src.url if src else None,
            }
        )
    ranked.sort(
        key=lambda r: (
            _utc(r["posted_at"]) is None,
            _utc(r["posted_at"]) or dt.datetime.max.replace(tzinfo=dt.UTC),
            r["item"],
        )
    )
    inside = set(members)
    links = [
        {"item": a, "other": h.item, **{k: v for k, v in h.as_dict().items() if k != "item"}}
        for a, h in pairs
        if a in inside and a < h.item
    ]
    return Cluster(ranked, _earliest(ranked), links)


def _earliest(ranked: list[dict[str, Any]]) -> dict[str, Any] | None:
    dated = [r for r in ranked if _utc(r["posted_at"]) is not None]
    if not dated:
        return None
    first = dated[0]
    where = " ".join(
        x
        for x in (
            f"on {first['platform']}" if first["platform"] else "",
            f"by {first['account']}" if first["account"] else "",
        )
        if x
    )
    ties = [r["item"][:12] for r in dated[1:] if _utc(r["posted_at"]) == _utc(first["posted_at"])]
    reason = (
        f"posted {first['posted_at']}{' ' + where if where else ''} (source #{first['source']}), "
        f"the earliest posting time among {len(dated)} of the {len(ranked)} copies whose sources "
        "say when they were posted"
    )
    if len(dated) < len(ranked):
        n = len(ranked) - len(dated)
        reason += (
            f"; {n} {'copy has' if n == 1 else 'copies have'} no posting time and could be earlier"
        )
    if ties:
        reason += f"; posted at the same time: {', '.join(ties)}"
    return {**first, "reason": reason}


def copies_of(case: Case, sha256: str) -> dict[str, Any]:
    """For provenance: the copies of one item and the earliest upload among it and them."""
    _, found = similar(case, sha256)
    with case.session(write=False) as s:
        members = [sha256, *(h.item for h in found)]
        ranked = _cluster(s, members, []).items
    return {
        "copies": [
            {
                "item": h.item,
                "distance": h.distance,
                "offset_s": h.offset_s,
                "posted_at": h.posted_at,
                "by": h.by,
            }
            for h in found
        ],
        "earliest": _earliest(ranked),
    }

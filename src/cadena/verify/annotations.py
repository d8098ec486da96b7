"""Annotations: statements about a place in an item, the citations that facts point to.

A place is a locator, open JSON with a `kind`, in the words `cadena.facts.citations` reads:

    {"kind": "time_range", "start_s": 12.4, "end_s": 14.0}        (a stretch of a video or audio)
    {"kind": "region", "x": 10, "y": 20, "w": 100, "h": 80}        (pixels of an image; a video
        frame adds "frame_s", a document page adds "page")
    {"kind": "page", "page": 4}                                    (a page of a document)

An annotation may name what it is about, as typed references to facts kept elsewhere (by id or
name, as text, so this phase does not depend on the facts phase): incidents, units (an insignia
seen), persons, weapons, victims. Each annotation is one signed "annotate" custody entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import Item, Metadata
from cadena.verify.models import Annotation

LINK_KINDS = ("incident", "unit", "person", "weapon", "victim")
LOCATOR_KINDS = ("time_range", "region", "page")
_KIND_ALIASES = {
    "time": "time_range",
    "time_range": "time_range",
    "region": "region",
    "page": "page",
}


@dataclass(frozen=True)
class Link:
    """A typed reference to a fact: kind (incident, unit, person, weapon, victim) and its id or
    name as the investigator wrote it."""

    kind: str
    ref: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "ref": self.ref}


def make_links(pairs: Iterable[tuple[str, str]]) -> list[Link]:
    links = []
    for kind, ref in pairs:
        kind, ref = kind.strip().lower(), ref.strip()
        if kind not in LINK_KINDS:
            raise CadenaError(
                f"{kind!r} is not something an annotation links to; use one of "
                + ", ".join(LINK_KINDS)
            )
        if not ref:
            raise CadenaError(f"an empty {kind} reference: give its id or name")
        if Link(kind, ref) not in links:
            links.append(Link(kind, ref))
    return links


# -- locators -----------------------------------------------------------------------------


def time_range(start_s: float, end_s: float) -> dict[str, Any]:
    return {"kind": "time_range", "start_s": float(start_s), "end_s": float(end_s)}


def region(
    x: float, y: float, w: float, h: float, frame_s: float | None = None, page: int | None = None
) -> dict[str, Any]:
    loc: dict[str, Any] = {"kind": "region", "x": int(x), "y": int(y), "w": int(w), "h": int(h)}
    if frame_s is not None:
        loc["frame_s"] = float(frame_s)
    if page is not None:
        loc["page"] = int(page)
    return loc


def page(number: int) -> dict[str, Any]:
    return {"kind": "page", "page": int(number)}


def parse_range(text: str) -> tuple[float, float]:
    """`12.4-14.0`, `0:12.4-0:14`, `12.4` (an instant) as (start, end) seconds."""
    parts = [p for p in text.replace("–", "-").split("-")]
    try:
        if len(parts) == 1:
            t = _seconds(parts[0])
            return t, t
        if len(parts) == 2:
            return _seconds(parts[0]), _seconds(parts[1])
    except ValueError:
        pass
    raise CadenaError(
        f"{text!r} is not a time range; write START-END in seconds or m:ss, e.g. 12.4-14.0"
    )


def _seconds(text: str) -> float:
    total = 0.0
    for part in text.strip().rstrip("s").split(":"):
        total = total * 60 + float(part)
    if not math.isfinite(total):
        raise ValueError(text)
    return total


def parse_box(text: str) -> tuple[int, int, int, int]:
    """`x,y,w,h` in pixels."""
    try:
        x, y, w, h = (int(round(float(v))) for v in text.split(","))
    except ValueError:
        raise CadenaError(
            f"{text!r} is not a region; write x,y,w,h in pixels from the top left: 40,60,120,90"
        ) from None
    return x, y, w, h


def check_locator(loc: Mapping[str, Any], norm: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The locator in its stored form, or a CadenaError saying what is wrong with it.

    `norm` is the item's normalised metadata: when it knows the duration, size or page count, a
    place outside the item is refused.
    """
    kind = _KIND_ALIASES.get(str(loc.get("kind", "")))
    norm = norm or {}
    if kind == "time_range":
        start, end = float(loc["start_s"]), float(loc["end_s"])
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise CadenaError(f"time range {start}-{end}: start must be >= 0 and end >= start")
        duration = norm.get("duration_s")
        if isinstance(duration, int | float) and start > duration + 0.05:
            raise CadenaError(f"the item lasts {duration:.2f} s; {start:.2f} s is past its end")
        return time_range(start, end)
    if kind == "region":
        x, y, w, h = (int(loc[k]) for k in ("x", "y", "w", "h"))
        if x < 0 or y < 0 or w <= 0 or h <= 0:
            raise CadenaError(f"region {x},{y},{w},{h}: x and y must be >= 0, w and h > 0")
        width, height = norm.get("width"), norm.get("height")
        if isinstance(width, int) and isinstance(height, int) and (x >= width or y >= height):
            raise CadenaError(f"region starts at {x},{y}, outside the {width}x{height} picture")
        return region(x, y, w, h, loc.get("frame_s"), loc.get("page"))
    if kind == "page":
        number = int(loc["page"])
        pages = norm.get("pages")
        if number < 1 or (isinstance(pages, int) and number > pages):
            raise CadenaError(f"page {number} is not in the item ({pages or '?'} pages)")
        return page(number)
    raise CadenaError(f"a place in an item is one of {', '.join(LOCATOR_KINDS)}; got {loc!r}")


# -- records --------------------------------------------------------------------------------


def annotate(
    case: Case,
    s: Session,
    item_ref: str,
    loc: Mapping[str, Any],
    text: str,
    links: Iterable[Link] = (),
    author: str | None = None,
) -> Annotation:
    """Record a statement about a place in an item, and log it ("annotate") in custody."""
    text = text.strip()
    if not text:
        raise CadenaError('an annotation says something: give --text "what is seen or heard"')
    item = case.resolve_item(s, item_ref)
    stored = check_locator(loc, _normalized(s, item))
    link_list = [link.as_dict() for link in links]
    a = Annotation(
        item_sha256=item.sha256,
        locator=stored,
        text=text,
        links=link_list,
        created_at=custody.now(),
        created_by=author or custody.actor(),
    )
    s.add(a)
    s.flush()
    case.log(
        s,
        "annotate",
        item.sha256,
        {
            "annotation": a.id,
            "locator": stored,
            "text": text,
            "links": link_list,
            "by": a.created_by,
        },
    )
    return a


def annotations_of(s: Session, item_sha256: str) -> list[Annotation]:
    rows = s.execute(
        select(Annotation).where(Annotation.item_sha256 == item_sha256).order_by(Annotation.id)
    )
    return list(rows.scalars())


def get(s: Session, annotation_id: int) -> Annotation:
    a = s.get(Annotation, annotation_id)
    if a is None:
        raise CadenaError(f"no annotation {annotation_id} in this case")
    return a


def linked_to(s: Session, kind: str, ref: str) -> list[Annotation]:
    """The annotations naming a given incident, unit, person, weapon or victim (exact ref)."""
    wanted = {"kind": kind, "ref": ref}
    rows = s.execute(select(Annotation).order_by(Annotation.id)).scalars()
    return [a for a in rows if wanted in a.links]  # JSON containment differs by backend


def locator(annotation: Annotation) -> dict[str, Any]:
    """The JSON a citation stores to point at this annotation: the place itself (so it reads
    without this table) and the annotation's id (so it can be shown with its statement)."""
    return {**annotation.locator, "annotation": annotation.id}


def as_dict(a: Annotation) -> dict[str, Any]:
    return {
        "id": a.id,
        "item": a.item_sha256,
        "locator": a.locator,
        "text": a.text,
        "links": a.links,
        "created_at": a.created_at,
        "created_by": a.created_by,
    }


def describe(loc: Mapping[str, Any]) -> str:
    """A locator in words: `00:12.4–00:14.0`, `region 10,20 100×80 @ 3.0 s`, `p. 4`."""
    kind = loc.get("kind")
    if kind == "time_range":
        return f"{_clock(loc['start_s'])}–{_clock(loc['end_s'])}"
    if kind == "region":
        where = f"region {loc['x']},{loc['y']} {loc['w']}×{loc['h']}"
        if "frame_s" in loc:
            where += f" @ {_clock(loc['frame_s'])}"
        if "page" in loc:
            where += f" p. {loc['page']}"
        return where
    if kind == "page":
        return f"p. {loc['page']}"
    return str(dict(loc))


def _clock(s: float) -> str:
    minutes, sec = divmod(float(s), 60)
    return f"{int(minutes):02d}:{sec:04.1f}"


def _normalized(s: Session, item: Item) -> dict[str, Any]:
    meta = s.get(Metadata, item.sha256)
    return dict(meta.normalized) if meta is not None else {}

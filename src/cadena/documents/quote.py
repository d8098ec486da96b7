"""Passages as citations: a quoted passage is checked against the page's stored text, recorded
with its character offsets and word boxes as a locator (kind "passage") that facts can cite, and
drawn as a cropped page image with the passage highlighted (a derivative).

Matching tolerates what a researcher cannot see or type: case, accents, typographic quotes and
dashes, runs of whitespace and line breaks; it does not tolerate a different word.
"""

from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena import __version__
from cadena.documents import pdf, terms
from cadena.documents.models import PageText, Quote
from cadena.errors import CadenaError
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import Item

TOOL = "cadena.documents.quote"
IMAGE_DPI = 150  # for pages read from a text layer (OCR'd pages use the DPI they were read at)
HIGHLIGHT = (255, 214, 0, 110)


class QuoteRefused(CadenaError):
    """The passage is not on the page (exit 1: the check found a problem)."""

    exit_code = 1


@dataclass
class Passage:
    id: int
    item: str
    page: int
    text: str
    asked: str
    start: int
    end: int
    boxes: list[dict[str, Any]]
    page_text_sha256: str
    image_sha256: str | None
    note: str | None = None

    def locator(self) -> dict[str, Any]:
        """What a fact's citation holds to point at this passage."""
        return {
            "kind": "passage",
            "quote": self.id,
            "item": self.item,
            "page": self.page,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "boxes": self.boxes,
            "page_text": self.page_text_sha256,
            "image": self.image_sha256,
        }


def locate(page_text: str, asked: str) -> list[tuple[int, int]]:
    """Every (start, end) of `asked` in `page_text` as whole words, in order; [] when absent."""
    hay, where = terms.fold(page_text)
    needle, _ = terms.fold(asked)
    if not needle:
        raise CadenaError("The passage is empty: give the words to quote with --text.")
    found = _whole_words(page_text, hay, where, needle)
    if not found:
        # OCR and typing both split and join words (line-end hyphens, "a  la" / "ala"): try
        # again with spaces and hyphens out of both sides.
        hay, where = _squeeze(hay, where)
        needle = _squeeze(needle, list(range(len(needle))))[0]
        found = _whole_words(page_text, hay, where, needle) if needle else []
    return found


def _whole_words(page_text: str, hay: str, where: list[int], needle: str) -> list[tuple[int, int]]:
    """Occurrences that neither start nor end inside a word of the page ("arma" ≠ "armada")."""
    out = []
    at = hay.find(needle)
    while at >= 0:
        start, end = where[at], where[at + len(needle) - 1] + 1
        cut_before = needle[0].isalnum() and start > 0 and page_text[start - 1].isalnum()
        cut_after = needle[-1].isalnum() and end < len(page_text) and page_text[end].isalnum()
        if not cut_before and not cut_after:
            out.append((start, end))
        at = hay.find(needle, at + 1)
    return out


def _squeeze(s: str, where: list[int]) -> tuple[str, list[int]]:
    kept = [(c, w) for c, w in zip(s, where, strict=True) if c not in " -"]
    return "".join(c for c, _ in kept), [w for _, w in kept]


def quote(
    case: Case,
    ref: str,
    page: int,
    text: str | None = None,
    words: tuple[int, int] | None = None,
    occurrence: int = 1,
) -> Passage:
    """Record a passage of page `page` of item `ref`, given by its text (the `occurrence`-th
    time it is on the page) or by a range of word indices (first, last; 0-based, as in the
    page's word boxes). Refused when not on the page."""
    if (text is None) == (words is None):
        raise CadenaError('Give the passage either with --text "…" or with --words FIRST-LAST.')
    with case.session(write=False) as s:
        item = case.resolve_item(s, ref)
        row = _page(s, item, page)
        box_data = _words(case, row)
    if text is not None:
        found = locate(row.text, text)
        if not found:
            raise QuoteRefused(_not_here(case, item.sha256, row, text))
        if not 1 <= occurrence <= len(found):
            raise CadenaError(
                f"The passage occurs {len(found)} time(s) on page {page}; "
                f"--occurrence {occurrence} is not one of them."
            )
        start, end = found[occurrence - 1]
        note = (
            f"the passage occurs {len(found)} times on the page; occurrence {occurrence} "
            "is recorded (choose another with --occurrence N)"
            if len(found) > 1
            else None
        )
    else:
        start, end = _by_words(box_data, words or (0, 0), page)
        text, note = row.text[start:end], None
    boxes = [w for w in box_data.get("words", []) if w["start"] < end and w["end"] > start]
    image = _highlight(case, item, row, box_data, boxes)
    return _record(case, item.sha256, row, text, start, end, boxes, box_data, image, note)


def _page(s: Session, item: Item, page: int) -> PageText:
    row = s.execute(
        select(PageText).where(PageText.item_sha256 == item.sha256, PageText.page == page)
    ).scalar_one_or_none()
    if row is None:
        count = len(s.execute(select(PageText.id).where(PageText.item_sha256 == item.sha256)).all())
        if not count:
            raise CadenaError(
                f"No text has been read from {item.sha256[:12]} yet: run "
                f"`cadena text {item.sha256[:12]}` first."
            )
        raise CadenaError(f"{item.sha256[:12]} has pages 1-{count}; there is no page {page}.")
    return row


def _words(case: Case, row: PageText) -> dict[str, Any]:
    if not row.words_sha256:
        return {}
    data: dict[str, Any] = json.loads(case.blobs.local_path(row.words_sha256).read_bytes())
    return data


def _by_words(box_data: dict[str, Any], words: tuple[int, int], page: int) -> tuple[int, int]:
    listed = box_data.get("words", [])
    first, last = words
    if not listed:
        raise CadenaError(
            f"Page {page} has no word boxes (office or plain text): quote it with --text instead."
        )
    if not 0 <= first <= last < len(listed):
        raise CadenaError(f"Page {page} has words 0-{len(listed) - 1}; {first}-{last} is outside.")
    return int(listed[first]["start"]), int(listed[last]["end"])


def _not_here(case: Case, sha: str, row: PageText, asked: str) -> str:
    with case.session(write=False) as s:
        others = s.execute(
            select(PageText.page, PageText.text).where(
                PageText.item_sha256 == sha, PageText.page != row.page
            )
        ).all()
    elsewhere = [p for p, t in others if locate(t, asked)]
    msg = f"The passage is not on page {row.page} of {sha[:12]}; nothing was recorded."
    if elsewhere:
        return msg + f" It is on page {', '.join(map(str, sorted(elsewhere)))}: use --page."
    lines = [ln.strip() for ln in row.text.splitlines() if ln.strip()]
    close = difflib.get_close_matches(asked.strip(), lines, n=1, cutoff=0.5)
    if close:
        return msg + f" The closest line on the page reads: {close[0]!r}."
    return msg + f" Read the page with `cadena text {sha[:12]} --page {row.page}`."


def _record(
    case: Case,
    sha: str,
    row: PageText,
    text: str,
    start: int,
    end: int,
    boxes: list[dict[str, Any]],
    box_data: dict[str, Any],
    image: bytes | None,
    note: str | None,
) -> Passage:
    with case.session() as s:
        image_sha = None
        if image is not None:
            d = case.add_derivative(
                s,
                sha,
                image,
                kind="passage-image",
                tool=TOOL,
                tool_version=__version__,
                params={
                    "page": row.page,
                    "start": start,
                    "end": end,
                    "page_text": row.text_sha256,
                    "dpi": _dpi(box_data),
                },
                media_type="image/png",
            )
            image_sha = d.sha256
        q = Quote(
            item_sha256=sha,
            page=row.page,
            text=row.text[start:end],
            asked=text,
            char_start=start,
            char_end=end,
            page_text_sha256=row.text_sha256,
            boxes=[{"box": w["box"], "text": w["text"]} for w in boxes],
            image_sha256=image_sha,
            created_at=custody.now(),
            created_by=custody.actor(),
        )
        s.add(q)
        s.flush()
        passage = Passage(
            q.id, sha, row.page, q.text, text, start, end, q.boxes, row.text_sha256, image_sha, note
        )
        case.log(s, "quote", sha, {**passage.locator(), "unit": box_data.get("unit")})
    return passage


# -- the highlighted page image ----------------------------------------------------------------


def _dpi(box_data: dict[str, Any]) -> int | None:
    if box_data.get("unit") == "pt":
        return IMAGE_DPI
    return box_data.get("dpi")


def _highlight(
    case: Case, item: Item, row: PageText, box_data: dict[str, Any], boxes: list[dict[str, Any]]
) -> bytes | None:
    """The page cropped around the passage, the passage's words under a yellow highlight."""
    if not boxes:
        return None
    page = _page_image(case, item, row, box_data)
    if page is None:
        return None
    if box_data.get("turned"):  # the words were read from the page turned upright
        page = page.rotate(-int(box_data["turned"]), expand=True)
    scale = IMAGE_DPI / 72 if box_data.get("unit") == "pt" else 1.0
    rects = [[v * scale for v in w["box"]] for w in boxes]
    overlay = Image.new("RGBA", page.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in rects:
        draw.rectangle((x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=HIGHLIGHT)
    shown = Image.alpha_composite(page.convert("RGBA"), overlay).convert("RGB")
    line = max(y1 - y0 for _, y0, _, y1 in rects)
    top = max(0, int(min(r[1] for r in rects) - 3 * line))
    bottom = min(shown.height, int(max(r[3] for r in rects) + 3 * line))
    # As wide as the text shown around the passage, so its context lines are not cut.
    near = [
        [v * scale for v in w["box"]]
        for w in box_data.get("words", [])
        if top <= w["box"][1] * scale and w["box"][3] * scale <= bottom
    ] + rects
    margin = 0.03 * shown.width
    left = max(0, int(min(r[0] for r in near) - margin))
    right = min(shown.width, int(max(r[2] for r in near) + margin))
    out = BytesIO()
    shown.crop((left, top, right, bottom)).save(out, "PNG", optimize=True)
    return out.getvalue()


def _page_image(
    case: Case, item: Item, row: PageText, box_data: dict[str, Any]
) -> Image.Image | None:
    source = case.blobs.local_path(item.sha256)
    if item.media_type == "application/pdf":
        dpi = _dpi(box_data) or IMAGE_DPI
        with tempfile.TemporaryDirectory(prefix="cadena-quote-") as tmp:
            try:
                png = pdf.rasterise(Path(source), row.page, Path(tmp), dpi)
            except pdf.RasteriseError:
                return None
            with Image.open(png) as im:
                return im.convert("RGB")
    if item.kind == "image":
        with Image.open(source) as im:
            return ImageOps.exif_transpose(im).convert("RGB")
    return None


def passages(case: Case, ref: str | None = None) -> list[dict[str, Any]]:
    """The recorded passages (of one item, or all), as their locators."""
    with case.session(write=False) as s:
        q = select(Quote).order_by(Quote.id)
        if ref:
            q = q.where(Quote.item_sha256 == case.resolve_item(s, ref).sha256)
        return [
            {
                "kind": "passage",
                "quote": r.id,
                "item": r.item_sha256,
                "page": r.page,
                "text": r.text,
                "start": r.char_start,
                "end": r.char_end,
                "boxes": r.boxes,
                "page_text": r.page_text_sha256,
                "image": r.image_sha256,
                "created_at": r.created_at,
                "created_by": r.created_by,
            }
            for r in s.execute(q).scalars()
        ]

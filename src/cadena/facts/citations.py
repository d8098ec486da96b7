"""What a fact rests on: citations (an item and a locator) or a named assumption, and a confidence.

A locator is open JSON with a `kind`, so later phases can add their own (an annotation, a quoted
passage) without a migration. The kinds made here:

    {"kind": "page", "page": 4}                      {"kind": "paragraph", "paragraph": 3}
    {"kind": "time_range", "start_s": 12.4, "end_s": 14.0}
    {"kind": "region", "x": 10, "y": 20, "w": 100, "h": 80}   (pixels; "page" may be added)
    {"kind": "sheet_row", "file": "units.csv", "sheet": "units", "row": 7}
    {"kind": "text", "text": "folio 12, reverse"}   (anything else a researcher wrote)
    {"kind": "whole"}                                (the item as a whole)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cadena.errors import CadenaError
from cadena.facts.models import CONFIDENCES

# What people write for a confidence, folded: English, Spanish, SFM's capitalised words, letters.
_CONFIDENCE_WORDS = {
    "high": "high", "h": "high", "alta": "high", "alto": "high", "3": "high",
    "medium": "medium", "m": "medium", "media": "medium", "medio": "medium", "moderate": "medium",
    "2": "medium",
    "low": "low", "l": "low", "baja": "low", "bajo": "low", "1": "low",
}  # fmt: skip


class UnsupportedFact(CadenaError):
    """A fact with neither a citation nor a named assumption, or without a confidence."""


def confidence_of(value: object) -> str:
    """`High`, `alta`, `m`, `3` ... as `high`/`medium`/`low`; anything else is refused."""
    text = str(value or "").strip().casefold()
    if text in _CONFIDENCE_WORDS:
        return _CONFIDENCE_WORDS[text]
    raise UnsupportedFact(
        f"{value!r} is not a confidence: write high, medium or low."
        if text
        else "No confidence given: write high, medium or low."
    )


@dataclass(frozen=True)
class Cite:
    """A place in a preserved item: its SHA-256, a locator, and optionally the passage quoted and
    the dataset's own reference for the source (an SFM source id)."""

    item: str
    locator: dict[str, Any] = field(default_factory=lambda: {"kind": "whole"})
    quote: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.locator, dict) or not self.locator.get("kind"):
            raise CadenaError(f"A locator is a mapping with a 'kind'; got {self.locator!r}.")

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "locator": self.locator,
            "quote": self.quote,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cite:
        """The inverse of `as_dict` (the form the exchange formats carry)."""
        return cls(d["item"], d["locator"], d.get("quote"), d.get("reference"))

    @classmethod
    def of_row(cls, row: Any) -> Cite:
        """A stored citation (`models.Citation`) as a `Cite`."""
        return cls(row.item_sha256, row.locator, row.quote, row.reference)


@dataclass(frozen=True)
class Support:
    """Citations or a named assumption, and a confidence: what every fact must carry."""

    confidence: str
    citations: tuple[Cite, ...] = ()
    assumption: str | None = None

    @classmethod
    def of(
        cls, confidence: object, citations: Iterable[Cite] = (), assumption: str | None = None
    ) -> Support:
        return cls(confidence_of(confidence), tuple(citations), (assumption or "").strip() or None)

    def check(self, what: str) -> None:
        """Refuse, saying what to add, a fact that rests on nothing."""
        if self.confidence not in CONFIDENCES:
            raise UnsupportedFact(
                f"{what}: confidence {self.confidence!r} is not high, medium or low."
            )
        if not self.citations and not self.assumption:
            raise UnsupportedFact(
                f"{what} rests on nothing: give at least one citation (an item and a place in it: "
                "page, paragraph, time range, region) or name the assumption it is made on."
            )


_PAGE = re.compile(r"^(?:p|pp|pg|page|pag|pág|pagina|página|folio|f)\.?\s*(\d+[a-z]?)$", re.I)
_PARA = re.compile(r"^(?:para|paragraph|par|párrafo|parrafo|¶|§)\.?\s*(\d+)$", re.I)
_TIME = r"(\d{1,2}:)?\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?s"
_RANGE = re.compile(rf"^(?:t\s*=?\s*)?({_TIME})\s*(?:-|–|—|to|a)\s*({_TIME})$", re.I)
_REGION = re.compile(
    r"^(?:region|región|box)\s*[:=]?\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)$", re.I
)


def seconds(text: str) -> float:
    """`1:02:03.5`, `00:12.4` or `12.4s` as seconds."""
    text = text.strip().rstrip("s")
    total = 0.0
    for part in text.split(":"):
        total = total * 60 + float(part)
    return total


def parse_locator(text: str | None) -> dict[str, Any]:
    """What a researcher typed to say where in the item: `p. 4`, `para 3`, `00:12.4–00:14.0`,
    `region 10,20,100,80`; anything else is kept as text, nothing is refused."""
    text = (text or "").strip()
    if not text:
        return {"kind": "whole"}
    if m := _PAGE.match(text):
        page = m.group(1)
        return {"kind": "page", "page": int(page) if page.isdigit() else page}
    if m := _PARA.match(text):
        return {"kind": "paragraph", "paragraph": int(m.group(1))}
    if m := _RANGE.match(text):
        return {"kind": "time_range", "start_s": seconds(m.group(1)), "end_s": seconds(m.group(3))}
    if m := _REGION.match(text):
        x, y, w, h = (int(g) for g in m.groups())
        return {"kind": "region", "x": x, "y": y, "w": w, "h": h}
    return {"kind": "text", "text": text}


def describe_locator(locator: dict[str, Any]) -> str:
    """A locator back in the words `parse_locator` reads (round trips through the sheet)."""
    kind = locator.get("kind")
    if kind == "whole":
        return ""
    if kind == "page":
        return f"p. {locator['page']}"
    if kind == "paragraph":
        return f"para {locator['paragraph']}"
    if kind == "time_range":
        return f"{_clock(locator['start_s'])}-{_clock(locator['end_s'])}"
    if kind == "region":
        return "region {x},{y},{w},{h}".format(**locator)
    if kind == "text":
        return str(locator["text"])
    return ""


def _clock(s: float) -> str:
    minutes, sec = divmod(float(s), 60)
    hours, minutes = divmod(int(minutes), 60)
    text = f"{int(minutes):02d}:{sec:04.1f}" if sec % 1 else f"{int(minutes):02d}:{int(sec):02d}"
    return f"{hours}:{text}" if hours else text

"""Names as people type them: one folded form for matching (no accents, no case, one space)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\"'`´’‘“”.,;:()\[\]\-_/–—]")


def fold(name: str) -> str:
    """`Policía  Nacional` and `policia nacional.` fold to the same text."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _PUNCT.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def split_list(value: str | None) -> list[str]:
    """A `;`- or `|`-separated cell as a list of its non-empty parts."""
    if not value:
        return []
    return [p.strip() for p in re.split(r"[;|]", value) if p.strip()]

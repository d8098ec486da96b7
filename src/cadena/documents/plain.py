"""Plain text items: decoded (BOM, UTF-8, else Windows-1252, common in Spanish archives) and cut
into pages at form feeds, then into sections of at most `PAGE_WORDS` words at line ends."""

from __future__ import annotations

import codecs
import re

PAGE_WORDS = 2000


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc, "replace"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), "cp1252"


def paginate(text: str, page_words: int = PAGE_WORDS) -> list[str]:
    """Pages at form feeds; a page longer than `page_words` words is cut at line ends."""
    out: list[str] = []
    for chunk in text.split("\f"):
        lines: list[str] = []
        count = 0
        for line in chunk.split("\n"):
            n = len(re.findall(r"\S+", line))
            if lines and count + n > page_words:
                out.append("\n".join(lines))
                lines, count = [], 0
            lines.append(line)
            count += n
        out.append("\n".join(lines))
    while len(out) > 1 and not out[-1].strip():
        out.pop()
    return out or [""]

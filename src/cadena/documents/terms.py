"""The one way text becomes search terms, shared by the index, queries, snippets and quotes.

A token is a run of letters and digits; its term is the Spanish Snowball stem of its lower-case
form with accents then removed ("Terroristas" -> "terror", "obstáculos" -> "obstacul"), and its
word is the same form unstemmed ("terroristas"), which prefix searches (`operaci*`) look in, since
a stem may be shorter than the prefix typed ("operaciones" -> "oper"). Doing this in Python, not
in the database, is what makes SQLite and PostgreSQL give the same results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+")
_STEMMER = snowballstemmer.stemmer("spanish")


@dataclass(frozen=True)
class Token:
    term: str
    word: str
    start: int  # character offsets in the text it came from
    end: int


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=200_000)
def term(word: str) -> str:
    """The search term of one word."""
    return strip_accents(_STEMMER.stemWord(word.casefold()))


@lru_cache(maxsize=200_000)
def plain_word(word: str) -> str:
    """One word without case or accents, unstemmed."""
    return strip_accents(word.casefold())


def tokens(text: str) -> Iterator[Token]:
    for m in WORD.finditer(text):
        w = m.group()
        yield Token(term(w), plain_word(w), m.start(), m.end())


def index_texts(text: str) -> tuple[str, str]:
    """What the index holds for a text: its terms, and its plain words, space-separated, in
    order (the n-th term and the n-th word come from the same token)."""
    found = WORD.findall(text)
    return " ".join(term(w) for w in found), " ".join(plain_word(w) for w in found)


def fold(text: str) -> tuple[str, list[int]]:
    """Text compared without case, accents or runs of whitespace, and for each character of the
    folded text the offset of the original character it came from (so a match maps back)."""
    out: list[str] = []
    where: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace() or ch in "\u00ad":
            if ch == "\u00ad":  # soft hyphen: invisible on the page
                continue
            if not in_space and out:
                out.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        for c in strip_accents(ch).casefold():
            out.append(_SAME.get(c, c))
            where.append(i)
    if out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


# Typographic variants that a researcher types plainly.
_SAME = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
}

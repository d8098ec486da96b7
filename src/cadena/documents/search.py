"""Full-text search over a case's indexed texts (document pages, metadata, transcripts).

Hits come in the order the texts were indexed (item by item, page by page), not by a relevance
score: a researcher must see every plan that says "terroristas", and the two backends' scores
differ while this order does not. Snippets are cut and highlighted here, in Python, from the
stored text, so they are the same on SQLite and PostgreSQL too.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadena.documents import query as q
from cadena.documents import terms
from cadena.errors import CadenaError
from cadena.vault.case import Case
from cadena.vault.models import Source

SNIPPET_BEFORE, SNIPPET_AFTER = 60, 140
MARK_OPEN, MARK_CLOSE = "[[", "]]"
SAVED_FILE = "saved_searches.toml"  # a case may add its own beside cadena.toml


@dataclass
class Hit:
    item: str
    origin: str
    page: int
    snippet: str
    highlights: list[tuple[int, int]] = field(default_factory=list)  # offsets in the snippet
    name: str | None = None  # the item's first known file name

    @property
    def marked(self) -> str:
        out, last = [], 0
        for a, b in self.highlights:
            out += [self.snippet[last:a], MARK_OPEN, self.snippet[a:b], MARK_CLOSE]
            last = b
        return "".join(out) + self.snippet[last:]

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "name": self.name,
            "origin": self.origin,
            "page": self.page,
            "snippet": self.snippet,
            "snippet_marked": self.marked,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass
class Results:
    query: str
    total: int
    hits: list[Hit]

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query, "total": self.total, "hits": [h.as_dict() for h in self.hits]}


def search(
    case: Case, query: str, limit: int = 50, offset: int = 0, item: str | None = None
) -> Results:
    """Every indexed text matching `query` (see `cadena.documents.query` for the language),
    or only those of one item (SHA-256 or prefix)."""
    node = q.parse(query)
    with case.session(write=False) as s:
        sha = case.resolve_item(s, item).sha256 if item else None
        return run(s, query, node, limit, offset, sha)


def run(
    s: Session, query: str, node: q.Node, limit: int, offset: int, item: str | None = None
) -> Results:
    if s.get_bind().dialect.name == "postgresql":
        where, arg = "terms @@ CAST(:q AS tsquery)", q.to_tsquery(node)
        # Matches first, then order: with ORDER BY rowid LIMIT n PostgreSQL's planner walks the
        # primary key hoping for early hits, and for a rare word reads the whole table (~50x).
        found = f"WITH m AS MATERIALIZED (SELECT rowid FROM search_fts WHERE {where}) "
        source = "m"
        # The planner prices a sequential scan without the cost of de-TOASTing every tsvector
        # and picks it for common words: 200 ms where the GIN bitmap takes 2 ms.
        s.execute(text("SET LOCAL enable_seqscan = off"))
    else:
        where, arg = "search_fts MATCH :q", q.to_fts5(node)
        found, source = "", f"(SELECT rowid FROM search_fts WHERE {where})"
    joined = f"FROM {source} AS f JOIN search_entry e ON e.id = f.rowid"
    only = " WHERE e.item_sha256 = :item" if item else ""
    args = {"q": arg, "n": limit, "o": offset, "item": item}
    if item:
        total = s.execute(text(f"{found}SELECT count(*) {joined}{only}"), args)
    else:
        total = s.execute(text(f"SELECT count(*) FROM search_fts WHERE {where}"), args)
    rows = s.execute(
        text(
            f"{found}SELECT e.item_sha256, e.origin, e.page, e.text, e.terms, e.words "
            f"{joined}{only} ORDER BY f.rowid LIMIT :n OFFSET :o"
        ),
        args,
    ).all()
    wanted = q.positives(node)
    names = _names(s, {r[0] for r in rows})
    hits = [
        Hit(r[0], r[1], r[2], *snippet(r[3], wanted, r[4], r[5]), name=names.get(r[0]))
        for r in rows
    ]
    return Results(query, int(total.scalar_one()), hits)


def _names(s: Session, items: set[str]) -> dict[str, str]:
    """Each item's first known file name, to show beside its hash."""
    if not items:
        return {}
    rows = s.execute(
        select(Source.item_sha256, Source.original_name)
        .where(Source.item_sha256.in_(items))
        .order_by(Source.id.desc())
    ).all()
    return {sha: name for sha, name in rows if name}


def matches(
    body: str,
    phrases: list[q.Phrase],
    stored_terms: str | None = None,
    stored_words: str | None = None,
) -> list[tuple[int, int]]:
    """Character spans of `body` where one of the phrases occurs (as the index sees them), up to
    a snippet's length past the first one (all a snippet shows; this runs for every hit).
    `stored_terms`/`stored_words` are the entry's indexed tokens: given, nothing is re-stemmed
    (the Snowball stemmer costs ~0.3 ms a new word, too much for 50 pages a search)."""
    found = [(m.start(), m.end(), m.group()) for m in terms.WORD.finditer(body)]
    stems = stored_terms.split() if stored_terms is not None else []
    if len(stems) != len(found):
        stems = [terms.term(w) for _, _, w in found]
    prefixed = [ph for ph in phrases if ph.prefix]
    words = stored_words.split() if prefixed and stored_words is not None else []
    if prefixed and len(words) != len(found):
        words = [terms.plain_word(w) for _, _, w in found]
    exact: dict[str, list[q.Phrase]] = {}
    for ph in phrases:
        if not ph.prefix:
            exact.setdefault(ph.terms[0], []).append(ph)
    spans: list[tuple[int, int]] = []
    horizon = len(body)
    for i, stem in enumerate(stems):
        if found[i][0] > horizon:
            break
        n = _match_at(i, stems, exact[stem], False) if stem in exact else 0
        n = n or (_match_at(i, words, prefixed, True) if prefixed else 0)
        if n:
            spans.append((found[i][0], found[i + n - 1][1]))
            if len(spans) == 1:
                horizon = found[i][0] + SNIPPET_AFTER
    return spans


def _match_at(i: int, seq: list[str], phrases: list[q.Phrase], prefix: bool) -> int:
    """The length in tokens of the first phrase that starts at token i, or 0."""
    for ph in phrases:
        n = len(ph.terms)
        if i + n > len(seq):
            continue
        last = seq[i + n - 1]
        if (last.startswith(ph.terms[-1]) if prefix else last == ph.terms[-1]) and all(
            seq[i + k] == ph.terms[k] for k in range(n - 1)
        ):
            return n
    return 0


def snippet(
    body: str,
    phrases: list[q.Phrase],
    stored_terms: str | None = None,
    stored_words: str | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """A short passage around the first match, whitespace collapsed, with match offsets."""
    spans = matches(body, phrases, stored_terms, stored_words)
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(body), first + SNIPPET_AFTER)
    start = _word_edge(body, start, back=True)
    end = _word_edge(body, end, back=False)
    out = "…" if start > 0 else ""
    marks, cursor = [], start
    for a, b in spans:
        if a < start or b > end:
            continue
        out += _squash(body[cursor:a])
        marks.append((len(out), len(out) + len(_squash(body[a:b]))))
        out += _squash(body[a:b])
        cursor = b
    out += _squash(body[cursor:end]).rstrip() + ("…" if end < len(body) else "")
    return out, marks


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s)


def _word_edge(body: str, at: int, back: bool) -> int:
    if back:
        while at > 0 and not body[at - 1].isspace():
            at -= 1
    else:
        while at < len(body) and not body[at].isspace():
            at += 1
    return at


# -- saved searches ------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    name: str
    query: str
    description: str
    origin: str  # "shipped" or the path of the case's file


def saved_searches(case: Case | None = None) -> dict[str, Saved]:
    """The searches shipped with Cadena, then the case's own (`saved_searches.toml` in the case
    folder), which add to them or replace one of the same name."""
    shipped = resources.files("cadena.documents").joinpath("data", SAVED_FILE).read_text("utf-8")
    found = _load(shipped, "shipped")
    own = case.config.root / SAVED_FILE if case is not None else None
    if own is not None and own.is_file():
        found.update(_load(own.read_text("utf-8"), str(own)))
    return found


def _load(body: str, origin: str) -> dict[str, Saved]:
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise CadenaError(f"{origin} is not valid TOML ({exc}); fix it and run again.") from None
    out = {}
    for name, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("query"), str):
            raise CadenaError(f'[{name}] in {origin} needs a `query = "…"` line.')
        q.parse(entry["query"])  # a broken saved search is reported where it is written
        out[name] = Saved(name, entry["query"], str(entry.get("description", "")), origin)
    return out


def saved_path(case: Case) -> Path:
    return case.config.root / SAVED_FILE

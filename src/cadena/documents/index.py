"""Writing the search index: a `SearchEntry` row (the text, and its terms and plain words made
by `cadena.documents.terms`) and its entry in `search_fts`, under the same id.

SQLite: an FTS5 index over `search_entry`'s `terms` and `words` columns (external content, so
the terms are stored once). PostgreSQL: a tsvector built here from the same terms and positions
(not parsed by PostgreSQL, whose parser splits some tokens differently), under a GIN index.
The stored terms also let snippets be cut without stemming the page again.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cadena.documents import terms
from cadena.documents.models import SearchEntry

WORD_MARK = "="  # plain words share the tsvector with stems, marked
PG_MAX_POSITION = 16383  # PostgreSQL clamps larger positions; pages are cut below this


def add_entry(s: Session, item_sha256: str, origin: str, page: int, body: str) -> SearchEntry:
    """Index one text (a page, an item's metadata, a transcript segment), replacing any
    earlier entry for the same item, origin and page."""
    remove(s, item_sha256, origin, page)
    stems, words = terms.index_texts(body)
    entry = SearchEntry(
        item_sha256=item_sha256, origin=origin, page=page, text=body, terms=stems, words=words
    )
    s.add(entry)
    s.flush()
    if _postgres(s):
        s.execute(
            text("INSERT INTO search_fts (rowid, terms) VALUES (:id, CAST(:v AS tsvector))"),
            {"id": entry.id, "v": tsvector_literal(stems, words)},
        )
    else:
        s.execute(
            text("INSERT INTO search_fts (rowid, terms, words) VALUES (:id, :t, :w)"),
            {"id": entry.id, "t": stems, "w": words},
        )
    return entry


def _postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def tsvector_literal(stems: str, words: str) -> str:
    """`'term':1,4 '=word':1 ...`: our terms and (marked with `=`) plain words, each at the
    1-based position of its token, exactly as FTS5 sees its two columns."""
    where: dict[str, list[int]] = defaultdict(list)
    for pos, t in enumerate(stems.split(), start=1):
        where[t].append(min(pos, PG_MAX_POSITION))
    for pos, w in enumerate(words.split(), start=1):
        where[WORD_MARK + w].append(min(pos, PG_MAX_POSITION))
    return " ".join(f"'{t}':{','.join(map(str, ps[:256]))}" for t, ps in where.items())


def remove(s: Session, item_sha256: str, origin: str, page: int | None = None) -> None:
    """Drop entries of an item (of one origin, one page or all pages) from the index."""
    q = select(SearchEntry).where(
        SearchEntry.item_sha256 == item_sha256, SearchEntry.origin == origin
    )
    if page is not None:
        q = q.where(SearchEntry.page == page)
    for entry in list(s.execute(q).scalars()):
        if _postgres(s):
            s.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": entry.id})
        else:  # an external-content FTS5 index forgets a row given its indexed values
            s.execute(
                text(
                    "INSERT INTO search_fts (search_fts, rowid, terms, words) "
                    "VALUES ('delete', :id, :t, :w)"
                ),
                {"id": entry.id, "t": entry.terms, "w": entry.words},
            )
        s.delete(entry)
    s.flush()

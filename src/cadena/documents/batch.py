"""Reading the text of a case's items: one item (the hook run as items arrive) or all of them
(the batch behind `cadena text`), each item's pages, derivatives and index entries written in one
transaction, so an interrupted run leaves whole items or nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.documents import EXTRACTOR_VERSION, index
from cadena.documents.models import DocumentStatus, PageText, SearchEntry
from cadena.documents.text import (
    Extraction,
    PageProgress,
    PageResult,
    extract_file,
    readable,
)
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import Item, Metadata, Source

Progress = Callable[[int, int, str], None]  # done, total, item sha256


@dataclass
class ItemReport:
    item: str
    status: str
    pages: int
    ocr_pages: int
    detail: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "status": self.status,
            "pages": self.pages,
            "ocr_pages": self.ocr_pages,
            "detail": self.detail,
        }


def on_item_added(case: Case, item_sha256: str) -> ItemReport | None:
    """The hook intake calls for each new item: read its text if it is a document. None when the
    item is of a type this phase does not read. Never raises for what the file holds."""
    index_metadata(case, [item_sha256])
    with case.session(write=False) as s:
        item = s.get(Item, item_sha256)
        if item is None or not readable(item.media_type, item.kind):
            return None
        media_type, kind = item.media_type, item.kind
    return _read_item(case, item_sha256, media_type, kind)


def on_items_added(case: Case, shas: list[str]) -> list[ItemReport]:
    """The hook for a whole intake: metadata indexed once for all, then the text of each new
    document read (photos are left to `cadena text`: OCR'ing every street photo takes a while)."""
    if not shas:
        return []
    index_metadata(case, shas)
    with case.session(write=False) as s:
        items = [s.get(Item, sha) for sha in shas]
        todo = [
            (i.sha256, i.media_type, i.kind)
            for i in items
            if i is not None and i.kind != "image" and readable(i.media_type, i.kind)
        ]
    return [_read_item(case, sha, media_type, kind) for sha, media_type, kind in todo]


def index_metadata(case: Case, items: Iterable[str] | None = None) -> int:
    """Make items' metadata (what the file says about itself) and file names searchable, as
    entries of origin "metadata"; items already indexed are skipped. Returns how many were."""
    with case.session() as s:
        done = set(
            s.execute(
                select(SearchEntry.item_sha256).where(SearchEntry.origin == "metadata")
            ).scalars()
        )
        q = select(Metadata)
        if items is not None:
            q = q.where(Metadata.item_sha256.in_(list(items)))
        todo = [m for m in s.execute(q).scalars() if m.item_sha256 not in done]
        names: dict[str, set[str]] = {}
        for sha, name in s.execute(
            select(Source.item_sha256, Source.original_name).where(
                Source.item_sha256.in_([m.item_sha256 for m in todo])
            )
        ).all():
            if name:
                names.setdefault(sha, set()).add(name)
        for m in todo:
            body = metadata_text(m.normalized, sorted(names.get(m.item_sha256, ())))
            if body:
                index.add_entry(s, m.item_sha256, "metadata", 0, body)
    return len(todo)


def metadata_text(normalized: dict[str, Any], names: list[str]) -> str:
    """`key: value` lines of the metadata's words (numbers, sizes and types left out)."""
    lines = [f"file: {n}" for n in names]

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}{k}." if prefix else f"{k}.", v)
        elif isinstance(value, list):
            for v in value:
                walk(prefix, v)
        elif isinstance(value, str) and prefix.rstrip(".") not in SKIP_KEYS:
            lines.append(f"{prefix.rstrip('.')}: {value}")

    walk("", normalized)
    return "\n".join(lines)


SKIP_KEYS = {"media_type", "kind", "pdf_version"}


def pending(
    case: Case, refs: Iterable[str] = (), force: bool = False, images: bool = True
) -> list[tuple[str, str, str]]:
    """(sha256, media_type, kind) of the items to read: those named, else every readable item
    (images only if `images`: OCR'ing every street photo of a case takes a while) not yet read
    by this extractor version."""
    with case.session(write=False) as s:
        if refs:
            items = [case.resolve_item(s, r) for r in refs]
        else:
            items = list(s.execute(select(Item).order_by(Item.added_at, Item.sha256)).scalars())
            items = [
                i for i in items if readable(i.media_type, i.kind) and (images or i.kind != "image")
            ]
        done = (
            set()
            if force
            else set(
                s.execute(
                    select(DocumentStatus.item_sha256).where(
                        DocumentStatus.extractor_version == EXTRACTOR_VERSION
                    )
                ).scalars()
            )
        )
    return [(i.sha256, i.media_type, i.kind) for i in items if i.sha256 not in done]


def read_items(
    case: Case,
    refs: Iterable[str] = (),
    force: bool = False,
    progress: Progress | None = None,
    images: bool = True,
    on_page: Progress | None = None,
) -> list[ItemReport]:
    """Read every pending item (see `pending`); `progress(done, total, item)` after each item,
    `on_page(done, total, item)` after each page of a PDF."""
    todo = pending(case, refs, force, images)
    reports = []
    for n, (sha, media_type, kind) in enumerate(todo, start=1):
        pages = (lambda d, t, sha=sha: on_page(d, t, sha)) if on_page else None
        reports.append(_read_item(case, sha, media_type, kind, pages))
        if progress:
            progress(n, len(todo), sha)
    index_metadata(case)
    return reports


def _read_item(
    case: Case, sha: str, media_type: str, kind: str, on_page: PageProgress | None = None
) -> ItemReport:
    path = case.blobs.local_path(sha)
    try:
        found = extract_file(Path(path), media_type, kind, on_page=on_page)
    except Exception as exc:  # a reader's bug must cost one item, not the batch
        found = Extraction(
            "damaged",
            f"could not be read ({type(exc).__name__}: {exc}); the "
            "original is preserved unchanged; please report this file",
        )
    try:
        with case.session() as s:
            record(case, s, sha, found)
    except IntegrityError:
        # Another process (the intake hook, a second `cadena text`) recorded this item while we
        # read it; its record stands, ours is dropped whole.
        with case.session(write=False) as s:
            status = s.get(DocumentStatus, sha)
        if status is None:
            raise
        return ItemReport(sha, status.status, status.pages, 0, "read by another process")
    ocr_pages = sum(p.method == "ocr" for p in found.pages)
    return ItemReport(sha, found.status, len(found.pages), ocr_pages, found.detail)


def record(case: Case, s: Session, sha: str, found: Extraction) -> None:
    """Store each page's text (and word boxes) as derivatives, index it, and note the outcome."""
    s.execute(delete(PageText).where(PageText.item_sha256 == sha))
    index.remove(s, sha, "page")
    for page in found.pages:
        _record_page(case, s, sha, page)
    status = s.get(DocumentStatus, sha) or DocumentStatus(item_sha256=sha)
    status.status, status.detail, status.pages = found.status, found.detail, len(found.pages)
    status.extractor_version, status.done_at = EXTRACTOR_VERSION, custody.now()
    s.add(status)


def _record_page(case: Case, s: Session, sha: str, page: PageResult) -> None:
    body = unicodedata.normalize("NFC", page.text) if page.words is None else page.text
    text_d = case.add_derivative(
        s,
        sha,
        body.encode("utf-8"),
        kind="page-text",
        tool=page.tool,
        tool_version=page.tool_version,
        params=page.params,
        media_type="text/plain; charset=utf-8",
    )
    words_sha = None
    if page.words is not None:
        words_d = case.add_derivative(
            s,
            sha,
            canonical_json(page.words).encode("utf-8"),
            kind="page-words",
            tool=page.tool,
            tool_version=page.tool_version,
            params=page.params,
            media_type="application/json",
        )
        words_sha = words_d.sha256
    s.add(
        PageText(
            item_sha256=sha,
            page=page.page,
            method=page.method,
            language=page.language,
            text=body,
            text_sha256=text_d.sha256,
            words_sha256=words_sha,
            confidence=page.confidence,
            note=page.note,
        )
    )
    if body.strip():
        index.add_entry(s, sha, "page", page.page, body)

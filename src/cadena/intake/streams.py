"""Items from streams: archive members, chat media and captured bodies have no path of their own.

`cadena add` (files.py) takes a path on disk; what is inside an archive or comes over the network
has only a stream and a name. `store` copies such a stream into the blob store while hashing it,
and reads its type and metadata from the stored copy; `record` then writes the items, their
sources, metadata and one signed `add` custody entry each, for a whole batch in one transaction,
exactly as files.py records a file. So a batch is recorded whole or not at all; a blob stored for a
batch that was then abandoned stays as an unrecorded blob, which `verify` notes and the next intake
of the same bytes adopts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.intake import files
from cadena.intake.files import Outcome, SourceFields, source_key
from cadena.media import sniff
from cadena.vault import custody
from cadena.vault.blobs import Stored
from cadena.vault.case import Case
from cadena.vault.models import CustodyHead, Item, Source


@dataclass
class Extracted:
    """What the metadata reader said (or why it could not say anything)."""

    extractor: str
    raw: dict[str, Any]
    normalized: dict[str, Any]
    problems: list[Any]


@dataclass
class Pending:
    """A stored blob waiting to be recorded with its source."""

    shown: str
    stored: Stored
    sniffed: sniff.Sniffed
    extracted: Extracted
    record: dict[str, Any]


def source_fields(
    fields: SourceFields,
    *,
    original_name: str,
    original_path: str | None,
    method: str,
    extra: dict[str, Any],
    **overrides: Any,
) -> dict[str, Any]:
    """A source record (the keys of `SOURCE_FIELDS`) for something that has no file of its own."""
    record: dict[str, Any] = {
        "original_name": original_name,
        "original_name_bytes": None,
        "original_path": original_path,
        "url": fields.url,
        "platform": fields.platform,
        "account": fields.account,
        "posted_at": fields.posted_at,
        "collected_by": fields.collected_by or custody.actor(),
        "method": method,
        "consent": fields.consent,
        "note": fields.note,
        "extra": {**fields.extra, **extra},
    }
    record.update({k: v for k, v in overrides.items() if v is not None})
    return record


def storable(value: Any) -> Any:
    """Text any database keeps: no NUL (PostgreSQL refuses it), no lone surrogates (UTF-8 has
    none; JSON `\\ud800` and undecodable file names make them), shown as backslash escapes."""
    if isinstance(value, str):
        if value.isascii() and "\x00" not in value:
            return value
        return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    return value


def store(case: Case, stream: IO[bytes], shown: str, record: dict[str, Any]) -> Pending:
    """Copy the stream into the blob store and read what it is; nothing is recorded yet.

    Exceptions from the stream (a limit reached, a corrupt member) propagate; the blob store
    removes its partial copy.
    """
    stored = case.blobs.put_file(stream)
    path = case.blobs.local_path(stored.sha256)
    try:
        sniffed = sniff.sniff(path)
    except OSError:
        sniffed = sniff.Sniffed(sniff.OCTET, "unknown")
    return Pending(shown, stored, sniffed, read_metadata(path, sniffed), record)


def read_metadata(path: Any, sniffed: sniff.Sniffed) -> Extracted:
    """The media phase's metadata reader, shielded: hostile bytes cost a problem, not the intake."""
    try:
        from cadena.media import metadata

        found = metadata.extract(path, sniffed)
        return Extracted(
            found.extractor, dict(found.raw), dict(found.normalized), list(found.problems)
        )
    except Exception as exc:  # a reader tripping on crafted input must not lose the item
        return Extracted(
            "none", {}, {}, [f"metadata could not be read: {type(exc).__name__}: {exc}"]
        )


def record(case: Case, batch: Iterable[Pending]) -> list[Outcome]:
    """Record every pending item and source of a batch, with their custody entries, at once.

    The same records and entries as `record_one` for each, written with one flush for the
    rows (a batch of archive members is recorded in a few statements, not a few per member).
    """
    pendings = list(batch)
    with case.session() as s:
        s.execute(select(CustodyHead.id).where(CustodyHead.id == 1).with_for_update())
        shas = sorted({p.stored.sha256 for p in pendings})
        held: set[str] = set()
        keys: set[tuple[str, str]] = set()
        for chunk in (shas[i : i + 500] for i in range(0, len(shas), 500)):
            held |= set(s.execute(select(Item.sha256).where(Item.sha256.in_(chunk))).scalars())
            keys |= {
                (a, b)
                for a, b in s.execute(
                    select(Source.item_sha256, Source.key).where(Source.item_sha256.in_(chunk))
                )
            }
        outcomes: list[Outcome] = []
        to_log: list[tuple[Pending, Source, bool]] = []
        for p in pendings:
            p.record = storable(p.record)
            sha = p.stored.sha256
            new_item = sha not in held
            if new_item:
                s.add(files.item_row(p.stored, p.sniffed, p.extracted))
                held.add(sha)
            key = source_key(p.record)
            if (sha, key) in keys:
                outcomes.append(Outcome(p.shown, "present", sha))
                continue
            keys.add((sha, key))
            src = Source(item_sha256=sha, key=key, collected_at=custody.now(), **p.record)
            s.add(src)
            to_log.append((p, src, new_item))
            outcomes.append(Outcome(p.shown, "added" if new_item else "new_source", sha))
        s.flush()
        for p, src, new_item in to_log:
            details = files.add_details(p.stored, p.sniffed, p.extracted, src, new_item)
            case.log(s, "add", p.stored.sha256, details)
        return outcomes


def record_one(case: Case, s: Session, p: Pending) -> Outcome:
    """Record one pending blob in the caller's transaction, as files.py records a file."""
    p.record = storable(p.record)
    return files.record_stored(case, s, p.shown, p.stored, p.sniffed, p.extracted, p.record)

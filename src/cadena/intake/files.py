"""`cadena add`: files and folders become items, each with the source it came from.

Each file is read once: copied into the blob store while it is hashed. The item, its source,
its metadata and the custody entry are then written in one transaction, so a crash leaves either
all of them or none (a blob without a record is re-used, not duplicated, when the run is
repeated). Nothing is refused for being corrupt or of an unknown type; only what cannot be read
at all is refused, with the reason and what to do.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.media import metadata, sniff
from cadena.vault import custody
from cadena.vault.blobs import Stored
from cadena.vault.case import Case
from cadena.vault.models import SOURCE_FIELDS, CustodyHead, Item, Metadata, Source


@dataclass(frozen=True)
class SourceFields:
    """What the investigator knows of how the files were obtained (`cadena add` options)."""

    url: str | None = None
    platform: str | None = None
    account: str | None = None
    posted_at: str | None = None
    collected_by: str | None = None
    method: str | None = None
    consent: str | None = None
    note: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    path: str
    status: str  # added | new_source | present | refused
    sha256: str | None = None
    reason: str | None = None


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "new_source": self.count("new_source"),
            "already_present": self.count("present"),
            "refused": self.count("refused"),
            "files": [asdict(o) for o in self.outcomes],
        }


Progress = Callable[[str, int], None]  # (path shown, bytes done for it)


def display(path: Path | str) -> str:
    """A path as text that survives any encoding (undecodable bytes shown as \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def walk(paths: Iterable[Path]) -> Iterator[tuple[Path, str | None]]:
    """Every file under the given paths, sorted; (path, reason) when it cannot be taken."""
    for top in paths:
        if top.is_symlink() and top.is_dir():
            yield top, "a symbolic link to a folder is not followed: add the folder it points to"
        elif top.is_dir():
            for folder, dirs, files in os.walk(top, followlinks=False):
                dirs.sort()
                base = Path(folder)
                for d in dirs:
                    if (base / d).is_symlink():
                        yield (
                            base / d,
                            "a symbolic link to a folder is not followed: add its target",
                        )
                for name in sorted(files):
                    yield base / name, None
        else:
            yield top, None


def add_paths(
    case: Case, paths: Iterable[Path], source: SourceFields, progress: Progress | None = None
) -> Summary:
    summary = Summary()
    for path, reason in walk(paths):
        outcome = Outcome(display(path), "refused", reason=reason) if reason else None
        summary.outcomes.append(outcome or add_file(case, path, source, progress))
    return summary


def add_file(
    case: Case, path: Path, source: SourceFields, progress: Progress | None = None
) -> Outcome:
    shown = display(path)
    refusal = _unreadable(path)
    if refusal:
        return Outcome(shown, "refused", reason=refusal)
    try:
        with path.open("rb") as f:
            stored = case.blobs.put_file(_Counting(f, shown, progress) if progress else f)
    except OSError as exc:
        return Outcome(
            shown,
            "refused",
            reason=f"could not read it ({exc.strerror or exc}); "
            "copy it somewhere readable or fix its permissions, then add it again",
        )
    readable = case.blobs.local_path(stored.sha256) if case.blobs.local else path
    sniffed = sniff.sniff(readable)
    extracted = metadata.extract(readable, sniffed)
    with case.session() as s:
        _lock(s)
        return record_stored(
            case, s, shown, stored, sniffed, extracted, source_record(path, source)
        )


class MetadataRead(Protocol):
    """What a metadata reader returned (cadena.media.metadata.Extracted or intake's shield)."""

    extractor: str
    raw: dict[str, Any]
    normalized: dict[str, Any]
    problems: list[Any]


def item_row(stored: Stored, sniffed: sniff.Sniffed, extracted: MetadataRead) -> Item:
    """A new item with its metadata, as every intake path records it."""
    item = Item(
        sha256=stored.sha256,
        size=stored.size,
        media_type=sniffed.media_type,
        kind=sniffed.kind,
        added_at=custody.now(),
        added_by=custody.actor(),
    )
    item.item_metadata = Metadata(
        item_sha256=item.sha256,
        extractor=extracted.extractor,
        raw=extracted.raw,
        normalized=extracted.normalized,
        problems=list(extracted.problems),
    )
    return item


def add_details(
    stored: Stored, sniffed: sniff.Sniffed, extracted: MetadataRead, src: Source, new_item: bool
) -> dict[str, Any]:
    """The details of an `add` custody entry (what `verify` checks sources against)."""
    return {
        "size": stored.size,
        "media_type": sniffed.media_type,
        "source": src.logged(),
        "metadata_problems": list(extracted.problems) if new_item else [],
    }


def record_stored(
    case: Case,
    s: Session,
    shown: str,
    stored: Stored,
    sniffed: sniff.Sniffed,
    extracted: MetadataRead,
    record: dict[str, Any],
) -> Outcome:
    """Record a stored blob as an item (if new) and its source (if new), with the signed `add`
    entry, in the caller's transaction: the one record path of every intake."""
    item = s.get(Item, stored.sha256)
    new_item = item is None
    if item is None:
        item = item_row(stored, sniffed, extracted)
        s.add(item)
    key = source_key(record)
    if s.execute(
        select(Source.id).where(Source.item_sha256 == item.sha256, Source.key == key)
    ).first():
        return Outcome(shown, "present", item.sha256)
    src = Source(item_sha256=item.sha256, key=key, collected_at=custody.now(), **record)
    s.add(src)
    s.flush()
    case.log(s, "add", item.sha256, add_details(stored, sniffed, extracted, src, new_item))
    return Outcome(shown, "added" if new_item else "new_source", item.sha256)


def source_record(path: Path, fields: SourceFields) -> dict[str, Any]:
    raw_name = os.fsencode(path.name)
    try:
        raw_name.decode("utf-8")
        name_bytes = None
    except UnicodeDecodeError:
        name_bytes = raw_name.hex()
    return {
        "original_name": display(path.name),
        "original_name_bytes": name_bytes,
        "original_path": display(os.path.abspath(path)),
        "url": fields.url,
        "platform": fields.platform,
        "account": fields.account,
        "posted_at": fields.posted_at,
        "collected_by": fields.collected_by or custody.actor(),
        "method": fields.method or "cadena add",
        "consent": fields.consent,
        "note": fields.note,
        "extra": dict(fields.extra),
    }


def source_key(record: dict[str, Any]) -> str:
    return hashlib.sha256(
        canonical_json({k: record[k] for k in SOURCE_FIELDS}).encode()
    ).hexdigest()


def _lock(s: Session) -> None:
    """Serialise intake writers (PostgreSQL row lock; SQLite already holds its write lock)."""
    s.execute(select(CustodyHead.id).where(CustodyHead.id == 1).with_for_update())


def _unreadable(path: Path) -> str | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"a broken symbolic link (to {display(os.readlink(path))}): add the file itself"
        return "no such file: check the path"
    except OSError as exc:
        return f"cannot reach it ({exc.strerror}); check the path and permissions"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a device, pipe or socket): copy its content into a file first"
    return None


class _Counting:
    """A read-through wrapper that reports bytes read, for the progress bar."""

    def __init__(self, f: Any, shown: str, progress: Progress) -> None:
        self.f, self.shown, self.progress = f, shown, progress

    def read(self, n: int = -1) -> bytes:
        chunk: bytes = self.f.read(n)
        if chunk:
            self.progress(self.shown, len(chunk))
        return chunk

"""Preserving an imported file as an item inside the import's own transaction, so a refused
import leaves no record (only an unreferenced blob, which `cadena add` would reuse)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from cadena.intake import files
from cadena.media import metadata, sniff
from cadena.vault.case import Case


def preserve(case: Case, s: Session, path: Path, note: str) -> str:
    """Store `path` as an item (its source says it was imported) in session `s`; its SHA-256."""
    with path.open("rb") as f:
        stored = case.blobs.put_file(f)
    readable = case.blobs.local_path(stored.sha256) if case.blobs.local else path
    sniffed = sniff.sniff(readable)
    extracted = metadata.extract(readable, sniffed)
    fields = files.SourceFields(method="cadena import", note=note)
    # The intake's own record-writer, so an imported file is an item like any other.
    files.record_stored(
        case, s, files.display(path), stored, sniffed, extracted, files.source_record(path, fields)
    )
    return stored.sha256

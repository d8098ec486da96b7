"""`cadena verify`: re-hash every blob, walk the custody chain, and cross-check the records.

Every finding names its kind and its place. A blob with no record (an intake interrupted
between storing the file and recording it) is a note, not a finding: no evidence was recorded,
and re-running the intake adopts it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from cadena.intake.timestamps import check_timestamps
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.custody import Finding
from cadena.vault.models import CustodyEntry, CustodyHead, Derivative, Item, Source


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "counts": self.counts,
            "findings": [asdict(f) for f in self.findings],
            "notes": self.notes,
        }


def verify(case: Case, progress: Callable[[int, int], None] | None = None) -> Report:
    report = Report()
    with case.session(write=False) as s:
        entries = custody.entries_in_order(s)
        head = s.get(CustodyHead, 1)
        items = list(s.execute(select(Item)).scalars())
        sources = list(s.execute(select(Source)).scalars())
        derivatives = list(s.execute(select(Derivative)).scalars())
    report.findings += custody.walk(entries, head, case.public_key)
    report.findings += _cross_check(entries, items, sources, derivatives)
    blob_shas = sorted({i.sha256 for i in items} | {d.sha256 for d in derivatives})
    report.findings += _rehash(case, blob_shas, progress)
    report.findings += check_timestamps(case)
    orphans = set(case.blobs.all()) - set(blob_shas)
    if orphans:
        report.notes.append(
            f"{len(orphans)} stored file(s) with no record (an interrupted intake); "
            "re-running the same `cadena add` adopts them"
        )
    report.counts = {
        "custody_entries": len(entries),
        "items": len(items),
        "sources": len(sources),
        "derivatives": len(derivatives),
        "blobs_rehashed": len(blob_shas),
    }
    return report


def _rehash(
    case: Case, shas: list[str], progress: Callable[[int, int], None] | None
) -> list[Finding]:
    findings = []
    for n, sha in enumerate(shas, 1):
        place = f"blob {sha}"
        if not case.blobs.exists(sha):
            findings.append(Finding("blob_missing", place, "the file is gone from the blob store"))
        else:
            actual = case.blobs.rehash(sha)
            if actual != sha:
                findings.append(
                    Finding("blob_modified", place, f"its content now hashes to {actual}")
                )
        if progress:
            progress(n, len(shas))
    return findings


def _cross_check(
    entries: list[CustodyEntry],
    items: list[Item],
    sources: list[Source],
    derivatives: list[Derivative],
) -> list[Finding]:
    """Records must match what the signed log says was added and derived."""
    logged_items: set[str] = set()
    logged_sources: dict[int, dict[str, Any]] = {}
    logged_derivatives: set[tuple[str, str, str]] = set()
    for e in entries:
        details = _details(e)
        if e.action == "add" and e.item_sha256:
            logged_items.add(e.item_sha256)
            if isinstance(details.get("source"), dict):
                logged_sources[details["source"].get("id")] = details["source"]
        elif e.action == "derive" and e.item_sha256:
            logged_derivatives.add(
                (e.item_sha256, str(details.get("derivative")), str(details.get("kind")))
            )
    findings = [
        Finding("item_unlogged", f"item {i.sha256}", "no custody entry records its intake")
        for i in items
        if i.sha256 not in logged_items
    ]
    present = {i.sha256 for i in items}
    findings += [
        Finding("item_deleted", f"item {sha}", "custody records its intake but the record is gone")
        for sha in sorted(logged_items - present)
    ]
    for src in sources:
        logged = logged_sources.get(src.id)
        if logged is None:
            findings.append(
                Finding("source_unlogged", f"source #{src.id}", "no custody entry records it")
            )
        elif json.dumps(logged, sort_keys=True) != json.dumps(src.logged(), sort_keys=True):
            findings.append(
                Finding(
                    "source_edited",
                    f"source #{src.id}",
                    "it differs from what custody recorded at intake",
                )
            )
    findings += [
        Finding(
            "derivative_unlogged",
            f"derivative {d.sha256} of item {d.item_sha256}",
            "no custody entry records it",
        )
        for d in derivatives
        if (d.item_sha256, d.sha256, d.kind) not in logged_derivatives
    ]
    return findings


def _details(e: CustodyEntry) -> dict[str, Any]:
    try:
        value = json.loads(e.details)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

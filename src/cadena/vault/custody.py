"""The custody log: append-only, hash-chained, every entry signed with the case key.

An entry's hash covers its time, action, item, actor, details and the previous entry's hash
(not its position, so an insertion or a reordering shows as a broken link, not as an edit of
every later entry). The signature is Ed25519 over `SIGNING_PREFIX + entry_hash`. The same rules
are restated, with only the standard library and `cryptography`, in `standalone_check.py`,
which an outside expert runs without Cadena.
"""

from __future__ import annotations

import getpass
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.db import canonical_json
from cadena.vault.models import CustodyEntry, CustodyHead

GENESIS = "0" * 64
SIGNING_PREFIX = b"cadena-custody-v1:"

# The actions other phases log through `append`; a new kind of step adds its word here.
ACTIONS = frozenset(
    {
        "init",
        "add",
        "derive",
        "annotate",
        "review",
        "export",
        "import",
        "merge",
        "unmerge",
        "capture",
        "timestamp",
        "fact",
        "quote",
        "geolocate",
    }
)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def actor() -> str:
    return os.environ.get("CADENA_ACTOR") or getpass.getuser()


def entry_hash(at: str, action: str, item: str | None, who: str, details: str, prev: str) -> str:
    body = {
        "at": at,
        "action": action,
        "item": item,
        "actor": who,
        "details": details,
        "prev": prev,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def append(
    session: Session,
    key: Ed25519PrivateKey,
    action: str,
    item: str | None = None,
    details: dict[str, Any] | None = None,
) -> CustodyEntry:
    """Add one signed entry in the caller's transaction (so it commits with what it records)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown custody action {action!r}; add it to custody.ACTIONS")
    head = session.execute(
        select(CustodyHead).where(CustodyHead.id == 1).with_for_update()
    ).scalar_one()
    at, who, text = now(), actor(), canonical_json(details or {})
    digest = entry_hash(at, action, item, who, text, head.entry_hash)
    signature = key.sign(SIGNING_PREFIX + digest.encode("ascii")).hex()
    entry = CustodyEntry(
        seq=head.seq + 1,
        at=at,
        action=action,
        item_sha256=item,
        actor=who,
        details=text,
        prev_hash=head.entry_hash,
        entry_hash=digest,
        signature=signature,
    )
    session.add(entry)
    head.seq, head.entry_hash = entry.seq, digest
    session.flush()
    return entry


@dataclass(frozen=True)
class Finding:
    """One thing `verify` found wrong, with where it is."""

    kind: str  # blob_modified, blob_missing, entry_edited, entry_deleted, entry_inserted, ...
    place: str
    detail: str


def walk(
    entries: list[CustodyEntry], head: CustodyHead | None, public: Ed25519PublicKey
) -> list[Finding]:
    """Check every link, hash and signature; name what broke and where."""
    findings: list[Finding] = []
    position_of = {e.entry_hash: i for i, e in enumerate(entries)}
    expected_prev, expected_seq = GENESIS, 1
    explained_until = -1  # positions whose broken link a reordering already accounts for
    for i, e in enumerate(entries):
        place = f"custody entry #{e.seq}"
        if e.seq != expected_seq:
            findings.append(
                Finding(
                    "entry_deleted",
                    place,
                    f"entries #{expected_seq}–#{e.seq - 1} are missing before this one",
                )
            )
        recomputed = entry_hash(e.at, e.action, e.item_sha256, e.actor, e.details, e.prev_hash)
        if recomputed != e.entry_hash:
            findings.append(
                Finding(
                    "entry_edited",
                    place,
                    f"its content no longer matches its hash ({e.action} at {e.at})",
                )
            )
        elif not _signed(public, e):
            findings.append(
                Finding(
                    "signature_wrong",
                    place,
                    "its hash matches but the signature is not the case key's: "
                    "written by another key",
                )
            )
        if e.prev_hash != expected_prev and e.seq == expected_seq and i > explained_until:
            findings.append(_broken_link(e, i, entries, position_of))
            target = position_of.get(e.prev_hash, -1)
            if target > i:  # moved entries: the links up to the one after its target follow
                explained_until = target + 1
        expected_prev, expected_seq = e.entry_hash, e.seq + 1
    findings.extend(_check_head(entries, head))
    return findings


def _signed(public: Ed25519PublicKey, e: CustodyEntry) -> bool:
    try:
        public.verify(bytes.fromhex(e.signature), SIGNING_PREFIX + e.entry_hash.encode("ascii"))
    except (InvalidSignature, ValueError):
        return False
    return True


def _broken_link(
    e: CustodyEntry, i: int, entries: list[CustodyEntry], position_of: dict[str, int]
) -> Finding:
    place = f"custody entry #{e.seq}"
    j = position_of.get(e.prev_hash)
    if j is None:
        return Finding(
            "entry_deleted",
            place,
            "the entry it was chained to is gone: an entry before it was deleted",
        )
    if j > i:
        return Finding(
            "entry_reordered",
            place,
            f"it was chained after entry #{entries[j].seq}, which now stands after it",
        )
    if j < i - 1:
        extra = ", ".join(f"#{x.seq}" for x in entries[j + 1 : i])
        return Finding(
            "entry_inserted",
            place,
            f"it was chained to entry #{entries[j].seq}; {extra} stand between them: inserted",
        )
    return Finding("entry_reordered", place, "it does not follow the entry before it")


def _check_head(entries: list[CustodyEntry], head: CustodyHead | None) -> list[Finding]:
    if head is None:
        return [Finding("head_missing", "custody head", "the record of the last entry is gone")]
    last = entries[-1] if entries else None
    if last is None and head.seq == 0:
        return []
    if last is not None and last.entry_hash == head.entry_hash and last.seq == head.seq:
        return []
    if last is not None and head.seq > last.seq:
        return [
            Finding(
                "entry_deleted",
                f"custody entry #{head.seq}",
                f"the log ends at #{last.seq} but its head records #{head.seq}: "
                "the last entries were deleted",
            )
        ]
    if last is not None and head.seq < last.seq:
        return [
            Finding(
                "entry_inserted",
                f"custody entry #{last.seq}",
                f"entries after #{head.seq}, the recorded head, were added outside Cadena",
            )
        ]
    return [
        Finding(
            "entry_edited",
            f"custody entry #{head.seq}",
            "the last entry does not match the hash recorded as the head",
        )
    ]


def entries_in_order(session: Session) -> list[CustodyEntry]:
    return list(session.execute(select(CustodyEntry).order_by(CustodyEntry.seq)).scalars())

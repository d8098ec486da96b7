"""Read-only views of the vault for `show` and `log` (and, later, the dossier and web app)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative, Item, Metadata, Source


def list_items(case: Case) -> list[dict[str, Any]]:
    with case.session(write=False) as s:
        counts = dict(
            s.execute(select(Source.item_sha256, func.count()).group_by(Source.item_sha256)).all()
        )
        items = s.execute(select(Item).order_by(Item.added_at)).scalars()
        return [
            {
                "sha256": i.sha256,
                "kind": i.kind,
                "media_type": i.media_type,
                "size": i.size,
                "added_at": i.added_at,
                "sources": counts.get(i.sha256, 0),
            }
            for i in items
        ]


def item_record(case: Case, ref: str) -> dict[str, Any]:
    with case.session(write=False) as s:
        item = case.resolve_item(s, ref)
        md = s.get(Metadata, item.sha256)
        sources = s.execute(
            select(Source).where(Source.item_sha256 == item.sha256).order_by(Source.id)
        ).scalars()
        derivatives = s.execute(
            select(Derivative).where(Derivative.item_sha256 == item.sha256).order_by(Derivative.id)
        ).scalars()
        return {
            "sha256": item.sha256,
            "size": item.size,
            "media_type": item.media_type,
            "kind": item.kind,
            "added_at": item.added_at,
            "added_by": item.added_by,
            "sources": [src.logged() for src in sources],
            "metadata": None
            if md is None
            else {
                "extractor": md.extractor,
                "normalized": md.normalized,
                "problems": md.problems,
                "raw": md.raw,
            },
            "derivatives": [
                {
                    "sha256": d.sha256,
                    "kind": d.kind,
                    "media_type": d.media_type,
                    "size": d.size,
                    "tool": d.tool,
                    "tool_version": d.tool_version,
                    "params": d.params,
                    "created_at": d.created_at,
                }
                for d in derivatives
            ],
            "custody": _entries(s, item.sha256),
        }


def custody_entries(case: Case, ref: str | None = None) -> list[dict[str, Any]]:
    with case.session(write=False) as s:
        sha = case.resolve_item(s, ref).sha256 if ref else None
        return _entries(s, sha)


def _entries(s: Any, sha: str | None) -> list[dict[str, Any]]:
    q = select(CustodyEntry).order_by(CustodyEntry.seq)
    if sha:
        q = q.where(CustodyEntry.item_sha256 == sha)
    return [
        {
            "seq": e.seq,
            "at": e.at,
            "action": e.action,
            "item_sha256": e.item_sha256,
            "actor": e.actor,
            "details": e.details,
            "prev_hash": e.prev_hash,
            "entry_hash": e.entry_hash,
            "signature": e.signature,
        }
        for e in s.execute(q).scalars()
    ]

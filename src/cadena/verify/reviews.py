"""Reviews: each reviewer's own findings and verdict on an item, and the item's status.

Status: unverified → in_review → verified | disputed | rejected.

- Each reviewer records what they checked (source, place, time, device, content), what they
  found, and a verdict. Their latest review counts; earlier ones stay in the history.
- "verified" needs two independent reviewers (different people) whose latest verdicts are both
  "verified", each with their own findings. One reviewer saying it twice is refused.
- When reviewers' latest verdicts differ, the item is "disputed" and the report shows their
  findings side by side, aspect by aspect. Nothing is averaged or voted away.
- "rejected" when every reviewer with a verdict rejects it.

Every step is a signed "review" custody entry holding the reviewer, verdict, checks, findings and
the status that resulted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.errors import CadenaError
from cadena.vault import custody
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, CustodyHead, Item
from cadena.verify.models import ItemStatus, Review

ASPECTS = ("source", "place", "time", "device", "content")
VERDICTS = ("in_review", "verified", "disputed", "rejected")
STATUSES = ("unverified", "in_review", "verified", "disputed", "rejected")
REVIEWERS_NEEDED = 2


@dataclass(frozen=True)
class Finding:
    """What a reviewer found, tied to one aspect when they said which."""

    text: str
    aspect: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"aspect": self.aspect, "text": self.text}


def parse_checked(values: Iterable[str]) -> list[str]:
    """`source,place` (repeatable) as the aspects checked, in the canonical order."""
    asked = {v.strip().lower() for text in values for v in text.split(",") if v.strip()}
    unknown = sorted(asked - set(ASPECTS))
    if unknown:
        raise CadenaError(
            f"{', '.join(unknown)}: not an aspect a review checks; use {', '.join(ASPECTS)}"
        )
    return [a for a in ASPECTS if a in asked]


def parse_finding(text: str) -> Finding:
    """`place: matches the church tower` is a finding about the place; anything else is general."""
    head, sep, rest = text.partition(":")
    if sep and head.strip().lower() in ASPECTS and rest.strip():
        return Finding(rest.strip(), head.strip().lower())
    if not text.strip():
        raise CadenaError("an empty finding: say what you found")
    return Finding(text.strip())


def record(
    case: Case,
    s: Session,
    item_ref: str,
    verdict: str,
    checked: Iterable[str] = (),
    findings: Iterable[Finding] = (),
    reviewer: str | None = None,
) -> Review:
    """Record one reviewer's step on an item, log it, and recompute the item's status."""
    verdict = verdict.strip().lower().replace("-", "_").replace(" ", "_")
    if verdict not in VERDICTS:
        raise CadenaError(f"{verdict!r} is not a review status; use {', '.join(VERDICTS)}")
    who = (reviewer or custody.actor()).strip()
    if not who:
        raise CadenaError("a review needs a reviewer: give --reviewer NAME or set CADENA_ACTOR")
    # Reviews of one case serialise on the custody head (as every custody append does), so two
    # reviewers saving at once both see each other's verdict when the status is computed.
    s.execute(select(CustodyHead).where(CustodyHead.id == 1).with_for_update()).scalar_one()
    item = case.resolve_item(s, item_ref)
    checks = parse_checked(checked)
    found = [f.as_dict() for f in findings]
    _check_step(s, item.sha256, who, verdict, checks, found)
    review = Review(
        item_sha256=item.sha256,
        reviewer=who,
        verdict=verdict,
        checked=checks,
        findings=found,
        created_at=custody.now(),
        custody_seq=0,  # set below, once the entry that logs it exists
    )
    s.add(review)
    s.flush()
    new = status_from(latest_by_reviewer(history(s, item.sha256)))
    entry = case.log(
        s,
        "review",
        item.sha256,
        {
            "review": review.id,
            "reviewer": who,
            "verdict": verdict,
            "checked": checks,
            "findings": found,
            "status": new,
        },
    )
    review.created_at, review.custody_seq = entry.at, entry.seq
    _store_status(s, item.sha256, new, entry.at)
    return review


def _check_step(
    s: Session, sha: str, who: str, verdict: str, checks: list[str], found: list[dict[str, Any]]
) -> None:
    if verdict == "in_review":
        return
    if not checks or not found:
        raise CadenaError(
            f"a verdict ({verdict}) states what was checked and what was found: give --checked "
            f"(some of {', '.join(ASPECTS)}) and at least one --finding"
        )
    mine = latest_by_reviewer(history(s, sha)).get(who)
    if mine is not None and mine.verdict == verdict:
        others = "a second, independent reviewer" if verdict == "verified" else "another reviewer"
        raise CadenaError(
            f"{who} has already recorded {verdict!r} for this item; saying it again adds nothing. "
            f"{others.capitalize()} must record their own findings."
        )


def history(s: Session, sha: str) -> list[Review]:
    rows = s.execute(select(Review).where(Review.item_sha256 == sha).order_by(Review.id))
    return list(rows.scalars())


def latest_by_reviewer(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each reviewer's latest step (a later step of the same reviewer supersedes the earlier)."""
    latest: dict[str, Review] = {}
    for r in reviews:
        latest[r.reviewer] = r
    return latest


def status_from(latest: dict[str, Review]) -> str:
    """The item's status from each reviewer's latest step (see the module's rules)."""
    verdicts = {r.verdict for r in latest.values() if r.verdict != "in_review"}
    if not latest:
        return "unverified"
    if not verdicts:
        return "in_review"
    if len(verdicts) > 1 or "disputed" in verdicts:
        return "disputed"
    if verdicts == {"rejected"}:
        return "rejected"
    verifiers = [r for r in latest.values() if r.verdict == "verified"]
    return "verified" if len(verifiers) >= REVIEWERS_NEEDED else "in_review"


def _store_status(s: Session, sha: str, status: str, at: str) -> None:
    row = s.get(ItemStatus, sha)
    if row is None:
        s.add(ItemStatus(item_sha256=sha, status=status, updated_at=at))
    else:
        row.status, row.updated_at = status, at


def status_of(s: Session, sha: str) -> str:
    row = s.get(ItemStatus, sha)
    return row.status if row is not None else "unverified"


def statuses(s: Session) -> dict[str, str]:
    """Every reviewed item's status, for an evidence register (items absent are unverified)."""
    return {sha: st for sha, st in s.execute(select(ItemStatus.item_sha256, ItemStatus.status))}


# -- the verification report ----------------------------------------------------------------


def report(case: Case, sha: str) -> dict[str, Any]:
    """What was checked on an item, by whom, with what result: the record `cadena show` and the
    dossier print. Stable keys: item, status, needs, warnings, reviewers, aspects,
    disagreements, history."""
    with case.session(write=False) as s:
        item = case.resolve_item(s, sha)
        return report_in(s, item)


def report_in(s: Session, item: Item) -> dict[str, Any]:
    steps = history(s, item.sha256)
    latest = latest_by_reviewer(steps)
    status = status_from(latest)
    seqs = [r.custody_seq for r in steps]
    rows = s.execute(select(CustodyEntry.seq, CustodyEntry.actor).where(CustodyEntry.seq.in_(seqs)))
    actors: dict[int, str] = {seq: who for seq, who in rows} if seqs else {}
    return {
        "item": item.sha256,
        "status": status,
        "needs": _needs(status, latest),
        "warnings": _warnings(latest, actors),
        "reviewers": [_review_dict(r, actors) for r in latest.values()],
        "aspects": _side_by_side(latest),
        "disagreements": _disagreements(latest),
        "history": [_review_dict(r, actors) for r in steps],
    }


def _review_dict(r: Review, actors: dict[int, str]) -> dict[str, Any]:
    return {
        "reviewer": r.reviewer,
        "verdict": r.verdict,
        "checked": list(r.checked),
        "findings": list(r.findings),
        "at": r.created_at,
        "custody_seq": r.custody_seq,
        "recorded_by": actors.get(r.custody_seq),  # the custody entry's actor
    }


def _warnings(latest: dict[str, Review], actors: dict[int, str]) -> list[str]:
    """What weakens the record: verdicts of different reviewers entered by one and the same
    account (the log cannot then show that two people reviewed)."""
    by_actor: dict[str, list[str]] = {}
    for who, r in latest.items():
        if r.verdict != "in_review" and (actor := actors.get(r.custody_seq)):
            by_actor.setdefault(actor, []).append(who)
    return [
        f"the verdicts of {', '.join(names)} were all entered by the account {actor!r}: the "
        "custody log does not show that different people reviewed; have each reviewer record "
        "their own review under their own CADENA_ACTOR"
        for actor, names in by_actor.items()
        if len(names) > 1
    ]


def _side_by_side(latest: dict[str, Review]) -> dict[str, dict[str, Any]]:
    """Per aspect, each reviewer's own words: whether they checked it and what they found."""
    table: dict[str, dict[str, Any]] = {}
    for aspect in (*ASPECTS, None):
        row = {}
        for who, r in latest.items():
            words = [f["text"] for f in r.findings if f.get("aspect") == aspect]
            if aspect is None or aspect in r.checked or words:
                row[who] = {
                    "checked": aspect is None or aspect in r.checked,
                    "verdict": r.verdict,
                    "findings": words,
                }
        if row:
            table[aspect or "general"] = row
    return table


def _disagreements(latest: dict[str, Review]) -> list[dict[str, Any]]:
    """Each pair of reviewers whose latest verdicts differ, with both verdicts as given."""
    people = [r for r in latest.values() if r.verdict != "in_review"]
    out = []
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            if a.verdict != b.verdict:
                out.append(
                    {
                        "reviewers": [a.reviewer, b.reviewer],
                        "verdicts": {a.reviewer: a.verdict, b.reviewer: b.verdict},
                    }
                )
    return out


def _needs(status: str, latest: dict[str, Review]) -> str | None:
    """What it takes to move on, in words (None when settled)."""
    if status == "unverified":
        return "a reviewer to check it and record findings"
    if status == "in_review":
        verifiers = [w for w, r in latest.items() if r.verdict == "verified"]
        if verifiers:
            return f"a second, independent reviewer (not {verifiers[0]}) to record their findings"
        return "a verdict with findings"
    if status == "disputed":
        return "the reviewers to resolve their disagreement; each records a new review"
    return None

"""Reviews: two independent reviewers for "verified", disagreements side by side, custody."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from cadena.errors import CadenaError
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry
from cadena.verify import reviews
from cadena.verify.reviews import Finding


@pytest.fixture
def sha(case: Case, tmp_path: Path) -> str:
    path = synth.image(tmp_path / "still.jpg", width=64, height=48, make="Apple")
    out = add_paths(case, [path], SourceFields(platform="telegram")).outcomes[0].sha256
    assert out
    return out


def _review(case: Case, sha: str, verdict: str, who: str, *findings: str) -> None:
    with case.session() as s:
        reviews.record(
            case,
            s,
            sha,
            verdict,
            ["source,place", "time"],
            [reviews.parse_finding(f) for f in findings] or [Finding("looked at it")],
            reviewer=who,
        )


def test_verified_needs_two_independent_reviewers(case: Case, sha: str) -> None:
    assert reviews.report(case, sha)["status"] == "unverified"
    _review(case, sha, "in_review", "ana")
    assert reviews.report(case, sha)["status"] == "in_review"
    _review(case, sha, "verified", "ana", "place: church tower matches street view")
    first = reviews.report(case, sha)
    assert first["status"] == "in_review"
    assert "second, independent reviewer" in first["needs"]

    with pytest.raises(CadenaError, match="already recorded 'verified'"):
        _review(case, sha, "verified", "ana", "place: checked again")
    assert reviews.report(case, sha)["status"] == "in_review"

    _review(case, sha, "verified", "bruno", "time: shadows agree with 16:10 local")
    done = reviews.report(case, sha)
    assert done["status"] == "verified"
    assert done["needs"] is None
    assert {r["reviewer"] for r in done["reviewers"]} == {"ana", "bruno"}
    assert done["aspects"]["place"]["ana"]["findings"] == ["church tower matches street view"]
    assert done["aspects"]["time"]["bruno"]["findings"] == ["shadows agree with 16:10 local"]
    assert done["disagreements"] == []
    # one account entered both verdicts: the report says the log does not show two people
    (warning,) = done["warnings"]
    assert "ana, bruno" in warning and "CADENA_ACTOR" in warning
    assert done["reviewers"][0]["recorded_by"] == done["reviewers"][1]["recorded_by"]


def test_reviews_entered_under_their_own_accounts_raise_no_warning(
    case: Case, sha: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for who in ("ana", "bruno"):
        monkeypatch.setenv("CADENA_ACTOR", who)
        _review(case, sha, "verified", who, "source: checked the uploader")
    rep = reviews.report(case, sha)
    assert rep["status"] == "verified" and rep["warnings"] == []
    with case.session(write=False) as s:
        assert reviews.statuses(s) == {sha: "verified"}
        assert reviews.status_of(s, "0" * 64) == "unverified"
    assert [r["recorded_by"] for r in rep["reviewers"]] == ["ana", "bruno"]


def test_disagreement_is_shown_side_by_side_not_averaged(case: Case, sha: str) -> None:
    _review(case, sha, "verified", "ana", "place: matches the plaza")
    _review(case, sha, "rejected", "bruno", "place: the plaza's kiosk is missing")
    rep = reviews.report(case, sha)
    assert rep["status"] == "disputed"
    assert rep["disagreements"] == [
        {"reviewers": ["ana", "bruno"], "verdicts": {"ana": "verified", "bruno": "rejected"}}
    ]
    place = rep["aspects"]["place"]
    assert place["ana"] == {
        "checked": True,
        "verdict": "verified",
        "findings": ["matches the plaza"],
    }
    assert place["bruno"]["findings"] == ["the plaza's kiosk is missing"]
    assert place["bruno"]["verdict"] == "rejected"
    # a third reviewer agreeing with one side does not outvote the other
    _review(case, sha, "verified", "carla", "content: same scene")
    assert reviews.report(case, sha)["status"] == "disputed"
    # the dissenting reviewer changes their mind: their latest step counts, history keeps both
    _review(case, sha, "verified", "bruno", "place: kiosk was removed in 2021; matches")
    rep = reviews.report(case, sha)
    assert rep["status"] == "verified"
    assert [h["verdict"] for h in rep["history"] if h["reviewer"] == "bruno"] == [
        "rejected",
        "verified",
    ]


def test_every_step_is_a_custody_entry_and_verdicts_need_findings(case: Case, sha: str) -> None:
    with pytest.raises(CadenaError, match="states what was checked"), case.session() as s:
        reviews.record(case, s, sha, "verified", [], [], reviewer="ana")
    with pytest.raises(CadenaError, match="not an aspect"), case.session() as s:
        reviews.record(case, s, sha, "verified", ["smell"], [Finding("x")], reviewer="ana")
    with pytest.raises(CadenaError, match="not a review status"), case.session() as s:
        reviews.record(case, s, sha, "approved", ["place"], [Finding("x")], reviewer="ana")
    _review(case, sha, "in_review", "ana")
    _review(case, sha, "rejected", "ana", "content: staged")
    with case.session(write=False) as s:
        rows = s.execute(
            select(CustodyEntry).where(CustodyEntry.action == "review").order_by(CustodyEntry.seq)
        ).scalars()
        logged = [json.loads(e.details) for e in rows]
    assert [(d["reviewer"], d["verdict"], d["status"]) for d in logged] == [
        ("ana", "in_review", "in_review"),
        ("ana", "rejected", "rejected"),
    ]
    assert logged[1]["findings"] == [{"aspect": "content", "text": "staged"}]
    rep = reviews.report(case, sha)
    assert rep["status"] == "rejected"
    assert [h["custody_seq"] for h in rep["history"]] == sorted(
        h["custody_seq"] for h in rep["history"]
    )


def test_two_reviewers_saving_at_once_both_count(case: Case, tmp_path: Path) -> None:
    shas = []
    for i in range(3):
        path = synth.image(tmp_path / f"s{i}.jpg", 32, 24, seed=i)
        shas.append(add_paths(case, [path], SourceFields()).outcomes[0].sha256)
    for sha in shas:
        assert sha
        gate = threading.Barrier(2)

        def save(who: str, sha: str = sha, gate: threading.Barrier = gate) -> None:
            gate.wait()
            _review(case, sha, "verified", who, "content: same scene")

        workers = [threading.Thread(target=save, args=(w,)) for w in ("ana", "bruno")]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert reviews.report(case, sha)["status"] == "verified"
        with case.session(write=False) as s:
            assert reviews.status_of(s, sha) == "verified"

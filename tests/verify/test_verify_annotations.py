"""Annotations: places in an item (time range, region, page) with typed links, as citations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cadena.errors import CadenaError
from cadena.facts.citations import Cite, describe_locator
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry
from cadena.verify import annotations as ann


@pytest.fixture
def video_sha(case: Case, tmp_path: Path) -> str:
    path = synth.video(tmp_path / "clip.mp4", seconds=3, width=160, height=120, with_audio=False)
    summary = add_paths(case, [path], SourceFields(platform="whatsapp"))
    sha = summary.outcomes[0].sha256
    assert sha
    return sha


def test_time_range_and_region_recorded_with_links_and_custody(case: Case, video_sha: str) -> None:
    links = ann.make_links([("unit", "3rd Battalion"), ("weapon", "rifle"), ("incident", "I-7")])
    with case.session() as s:
        a = ann.annotate(
            case, s, video_sha[:8], ann.time_range(1.2, 2.4), "officer fires toward crowd", links
        )
        b = ann.annotate(case, s, video_sha, ann.region(10, 20, 50, 40, frame_s=1.5), "insignia")
        ids = (a.id, b.id)
    with case.session(write=False) as s:
        got = ann.annotations_of(s, video_sha)
        assert [g.id for g in got] == list(ids)
        assert got[0].locator == {"kind": "time_range", "start_s": 1.2, "end_s": 2.4}
        assert got[0].links[0] == {"kind": "unit", "ref": "3rd Battalion"}
        assert got[1].locator["frame_s"] == 1.5
        assert [x.id for x in ann.linked_to(s, "unit", "3rd Battalion")] == [ids[0]]
        entries = s.execute(
            select(CustodyEntry).where(CustodyEntry.action == "annotate").order_by(CustodyEntry.seq)
        ).scalars()
        details = [json.loads(e.details) for e in entries]
    assert [d["annotation"] for d in details] == list(ids)
    assert details[0]["text"] == "officer fires toward crowd"


def test_locator_is_a_citation_the_facts_phase_reads(case: Case, video_sha: str) -> None:
    with case.session() as s:
        a = ann.annotate(case, s, video_sha, {"kind": "time", "start_s": 0.5, "end_s": 1.0}, "x")
        loc = ann.locator(a)
    assert loc == {"kind": "time_range", "start_s": 0.5, "end_s": 1.0, "annotation": a.id}
    cite = Cite(video_sha, loc)
    assert describe_locator(cite.locator) == "00:00.5-00:01"


@pytest.mark.parametrize(
    "loc, words",
    [
        ({"kind": "time_range", "start_s": 9.0, "end_s": 10.0}, "past its end"),
        ({"kind": "time_range", "start_s": 2.0, "end_s": 1.0}, "end >= start"),
        ({"kind": "region", "x": 500, "y": 0, "w": 10, "h": 10}, "outside"),
        ({"kind": "region", "x": 0, "y": 0, "w": 0, "h": 10}, "w and h > 0"),
        ({"kind": "sound"}, "one of time_range"),
    ],
)
def test_places_outside_the_item_are_refused(
    case: Case, video_sha: str, loc: dict[str, object], words: str
) -> None:
    with pytest.raises(CadenaError, match=words), case.session() as s:
        ann.annotate(case, s, video_sha, loc, "text")
    with case.session(write=False) as s:
        assert ann.annotations_of(s, video_sha) == []


def test_bad_links_and_ranges_are_refused() -> None:
    with pytest.raises(CadenaError, match="links to"):
        ann.make_links([("vehicle", "tank")])
    with pytest.raises(CadenaError, match="time range"):
        ann.parse_range("twelve")
    assert ann.parse_range("0:12.4-0:14") == (12.4, 14.0)
    assert ann.parse_box("1,2,3,4") == (1, 2, 3, 4)
    assert ann.describe(ann.time_range(12.4, 14.0)) == "00:12.4–00:14.0"

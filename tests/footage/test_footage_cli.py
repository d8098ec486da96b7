"""`cadena fingerprint`, `similar` and `copies` on a real case with real clips and their copies."""

from __future__ import annotations

import json

import pytest
from footage_clips import BIKES, CARPHONE
from sqlalchemy import select
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.files import SourceFields, add_paths
from cadena.media.fingerprint import transforms
from cadena.media.fingerprint.models import Fingerprint
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative, Item

runner = CliRunner()


def _add(case: Case, path, **source) -> str:
    add_paths(case, [path], SourceFields(**source))
    with case.session(write=False) as s:
        return max(s.execute(select(Item)).scalars(), key=lambda i: i.added_at).sha256


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    root = tmp_path_factory.mktemp("footage-case")
    c = Case.init(root / "case")
    mirror = transforms.transform(BIKES, root / "mirror.mp4", "mirror", seed=1)
    crop = transforms.transform(BIKES, root / "crop.mp4", "crop10", seed=1)
    broken = root / "broken.mp4"
    broken.write_bytes(BIKES.read_bytes()[:3000])
    shas = {
        "original": _add(
            c, BIKES, platform="X", account="@first", posted_at="2024-05-01T10:00:00Z"
        ),
        "mirror": _add(c, mirror, platform="WhatsApp", posted_at="2024-05-01T12:30:00+00:00"),
        "crop": _add(c, crop),
        "other": _add(c, CARPHONE, posted_at="2024-04-01T00:00:00Z"),
        "broken": _add(c, broken),
    }
    return c, shas, root


def _run(case, *args) -> tuple[int, dict]:
    res = runner.invoke(app, [*args, "--case", str(case.config.root), "--json"])
    return res.exit_code, (json.loads(res.stdout) if res.stdout.strip() else {})


def test_footage_fingerprint_once_with_frames_in_custody(case) -> None:
    c, shas, _ = case
    code, out = _run(c, "fingerprint")
    assert code == 0 and out["items"] == 5 and out["fingerprints_made"] >= 5
    code, again = _run(c, "fingerprint")
    assert code == 0 and again["fingerprints_made"] == 0  # computed once, reused
    with c.session(write=False) as s:
        frames = s.execute(select(Derivative).where(Derivative.kind == "keyframe")).scalars().all()
        assert frames and all(
            d.tool == "cadena.media.frames" and "time" in d.params for d in frames
        )
        assert {d.item_sha256 for d in frames} >= {shas["original"], shas["mirror"]}
        logged = s.execute(select(CustodyEntry).where(CustodyEntry.action == "derive")).scalars()
        assert len(list(logged)) >= len(frames)
        broken = (
            s.execute(select(Fingerprint).where(Fingerprint.item_sha256 == shas["broken"]))
            .scalars()
            .all()
        )
        assert broken and all(f.problem and not f.data for f in broken)


def test_footage_copies_cluster_with_earliest_upload(case) -> None:
    c, shas, _ = case
    code, out = _run(c, "copies")
    assert code == 0
    (cluster,) = out["clusters"]
    assert [r["item"] for r in cluster["items"]][:2] == [shas["original"], shas["mirror"]]
    assert {r["item"] for r in cluster["items"]} == {shas["original"], shas["mirror"], shas["crop"]}
    assert cluster["earliest"]["item"] == shas["original"]
    assert "2024-05-01T10:00:00Z" in cluster["earliest"]["reason"]
    assert "no posting time" in cluster["earliest"]["reason"]


def test_footage_similar_item_and_outside_file(case) -> None:
    c, shas, root = case
    code, out = _run(c, "similar", shas["mirror"][:10])
    assert code == 0
    found = {h["item"]: h for h in out["similar"]}
    assert set(found) == {shas["original"], shas["crop"]}
    assert found[shas["original"]]["mirrored"] is True
    excerpt = transforms.transform(BIKES, root / "excerpt.mp4", "excerpt", seed=3)
    code, out = _run(c, "similar", str(excerpt))
    assert code == 0 and out["query"]["file"] == str(excerpt)
    assert shas["original"] in {h["item"] for h in out["similar"]}
    assert shas["other"] not in {h["item"] for h in out["similar"]}


def test_footage_bad_reference_is_a_usage_error(case) -> None:
    c, _, _ = case
    res = runner.invoke(app, ["similar", "zzzz", "--case", str(c.config.root)])
    assert res.exit_code == 2 and "Traceback" not in res.output

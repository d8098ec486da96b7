"""The demo step: re-uploads of the witness's video are found, with the earliest upload."""

from __future__ import annotations

from cadena import demo
from cadena.media.fingerprint.demo_copies import REUPLOADS, same_footage


def test_footage_demo_finds_reuploads_and_earliest(tmp_path) -> None:
    steps = [s for s in demo.STEPS if s is not demo.check]
    if same_footage not in steps:
        steps.append(same_footage)
    steps.append(demo.check)  # custody still verifies after the derivatives and fingerprints
    saved = list(demo.STEPS)
    demo.STEPS[:] = steps
    try:
        d = demo.run(tmp_path / "demo", lambda _line: None)
    finally:
        demo.STEPS[:] = saved
    (cluster,) = d.results["copies"]
    items = {i["item"] for i in cluster["items"]}
    assert d.results["video"] in items
    assert len(items) >= 1 + len(REUPLOADS)
    first = cluster["items"][0]
    assert cluster["earliest"]["item"] == first["item"] and first["posted_at"]
    assert d.results["verify"]["clean"] is True

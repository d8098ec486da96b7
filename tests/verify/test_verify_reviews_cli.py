"""The workbench's commands end to end: annotate, review, provenance, redact.

The commands run in this process through Typer's runner (the real app; a child process per call
costs seconds on a loaded machine); one call goes through the real `cadena` console command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from skimage import data
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case


def _json(done: Any) -> Any:
    return json.loads(done.stdout)


class _Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _run(*args: str, env: dict[str, str] | None = None) -> _Done:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return _Done(result.exit_code, result.stdout, result.stderr)


def test_annotate_review_provenance_redact(case: Case, tmp_path: Path, cli: Any) -> None:
    root = str(case.config.root)
    video = synth.video(
        tmp_path / "v.mp4", seconds=2, width=96, height=64, with_audio=False,
        gps=(-12.0464, -77.0428), creation_time=dt.datetime(2024, 3, 2, 21, 10, tzinfo=dt.UTC),
    )  # fmt: skip
    vid = add_paths(case, [video], SourceFields(platform="X")).outcomes[0].sha256
    assert vid

    done = cli("annotate", vid[:8], "--at", "0.4-1.2", "--text", "shot fired", "--unit",
               "3rd Bn", "--weapon", "rifle", "--case", root, "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    a = _json(done)
    assert a["citation_locator"] == {"kind": "time_range", "start_s": 0.4, "end_s": 1.2,
                                     "annotation": a["id"]}  # fmt: skip
    assert {"kind": "unit", "ref": "3rd Bn"} in a["links"]
    bad = _run("annotate", vid[:8], "--text", "where?", "--case", root)
    assert bad.returncode == 2 and "say where" in bad.stderr and "Traceback" not in bad.stderr
    listed = _json(_run("annotate", vid[:8], "--case", root, "--json"))
    assert [x["id"] for x in listed] == [a["id"]]

    args = ("review", vid[:8], "--case", root, "--checked", "place,time")
    ok = _run(*args, "--status", "verified", "--finding", "place: GPS fits", "--reviewer", "ana",
             "--json")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert _json(ok)["status"] == "in_review"
    again = _run(*args, "--status", "verified", "--finding", "ok", "--reviewer", "ana")
    assert again.returncode == 2 and "second, independent reviewer" in again.stderr
    no = _run(*args, "--status", "rejected", "--finding", "time: sun is wrong",
             env={"CADENA_ACTOR": "bruno"})  # fmt: skip
    assert no.returncode == 0, no.stderr
    assert "disagreement" in no.stdout and "ana" in no.stdout and "bruno" in no.stdout
    shown = _json(_run("review", vid[:8], "--case", root, "--json"))
    assert shown["status"] == "disputed" and shown["recorded"] is None

    prov = _run("provenance", vid[:8], "--claimed-place", "-14.07,-75.73", "--claimed-time",
               "2024-03-03", "--case", root, "--json")  # fmt: skip
    assert prov.returncode == 1, prov.stderr
    rep = _json(prov)
    assert {c["check"] for c in rep["checks"] if c["status"] == "inconsistent"} == {"place", "time"}
    fine = _run("provenance", vid[:8], "--case", root)
    assert fine.returncode == 0 and "re-encoded" in fine.stdout

    still = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).resize((256, 256)).save(still)
    sid = add_paths(case, [still], SourceFields()).outcomes[0].sha256
    assert sid
    out = tmp_path / "published.png"
    red = _run("redact", sid[:8], "--box", "0,0,30,30", "--out", str(out), "--case", root, "--json")
    assert red.returncode == 0, red.stderr
    r = _json(red)
    assert r["out"] == str(out) and out.exists()
    assert sum(b["source"] == "detector" for b in r["boxes"]) >= 1
    published = np.asarray(Image.open(out))
    assert published.shape == (256, 256, 3)
    wrong = _run("redact", sid[:8], "--at", "1.0", "--case", root)
    assert wrong.returncode == 2 and "for videos" in wrong.stderr

"""Pictures: one PNG per analysis, byte-identical when made twice (content-addressed)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from cadena.media.audio.encode import write_wav
from cadena.media.audio.generator import SceneSpec, random_scene, render
from cadena.media.audio.picture import aligned_png, overview, shots_png
from cadena.media.audio.shots import analyse
from cadena.media.audio.sync import sync_reports


def test_shots_picture_is_reproducible(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    scene, mic = random_scene(rng, SceneSpec(duration_s=4.0, volleys=1))
    rec = render(scene, mic, rng)
    path = tmp_path / "a.wav"
    write_wav(path, rec.audio, rec.rate)
    report = analyse(path)
    one = shots_png(path, report, "a")
    two = shots_png(path, report, "a")
    assert one == two
    img = Image.open(io.BytesIO(one))
    assert img.format == "PNG" and img.size == (1200, 600)
    ov = overview(path, report.duration_s, columns=400)
    assert 200 <= ov.t.size <= 400 and ov.spec_db.shape[1] == ov.t.size  # ≥ 16 ms per column
    assert float(ov.hi.max()) > 0.3  # the shots' peaks survive the min/max reduction

    sync = sync_reports([report.envelope, report.envelope], [[e.t for e in report.shots]] * 2)
    png = aligned_png([path, path], [report.duration_s] * 2, sync, ["a", "a again"])
    assert Image.open(io.BytesIO(png)).format == "PNG"

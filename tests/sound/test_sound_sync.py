"""Offsets between recordings of one scene from different places, from their sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cadena.media.audio.encode import write_aac_mp4, write_wav
from cadena.media.audio.generator import (
    Recording,
    SceneSpec,
    multi_mic_scene,
    random_scene,
    render,
)
from cadena.media.audio.shots import ShotParams, analyse
from cadena.media.audio.sync import _volley_lines_up, gcc_phat, sync_reports


def _sync(paths: list[Path]):  # type: ignore[no-untyped-def]
    reports = [analyse(p, ShotParams()) for p in paths]
    envs = [r.envelope for r in reports]
    assert all(e is not None for e in envs)
    return sync_reports(
        [e for e in envs if e is not None], [[s.t for s in r.shots] for r in reports]
    )


def _gunfire_offset(a: Recording, b: Recording) -> float:
    ta = {lab.emission: lab.t for lab in a.of_kind("shot")}
    tb = {lab.emission: lab.t for lab in b.of_kind("shot")}
    return float(np.median([ta[k] - tb[k] for k in ta if k in tb]))


def test_three_phones_of_one_scene(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    scene, mics = multi_mic_scene(rng, n_mics=3, duration_s=8.0)
    recs = [render(scene, m, rng) for m in mics]
    paths = []
    for k, rec in enumerate(recs):
        paths.append(tmp_path / f"phone{k}.m4a")
        write_aac_mp4(paths[-1], rec.audio, rec.rate, bitrate=48_000)
    report = _sync(paths)
    for off in report.offsets[1:]:
        assert off.offset_s is not None, off
        assert abs(off.offset_s - _gunfire_offset(recs[0], recs[off.index])) < 0.010
    heard_by_all = [m for m in report.merged if len(m.heard_in) == 3]
    assert len(heard_by_all) >= 3
    js = report.to_json(["a", "b", "c"])
    assert js["reference"] == "a" and js["offsets"][1]["item"] == "b"
    assert js["timeline"] and set(js["timeline"][0]) == {"t", "heard_in", "times", "confidence"}


def test_unrelated_recordings_have_no_common_sound(tmp_path: Path) -> None:
    rng = np.random.default_rng(99)
    paths = []
    for k in range(2):
        scene, mic = random_scene(rng, SceneSpec(duration_s=6.0, volleys=2))
        rec = render(scene, mic, rng)
        paths.append(tmp_path / f"u{k}.wav")
        write_wav(paths[-1], rec.audio, rec.rate)
    report = _sync(paths)
    assert report.offsets[1].status == "no common sound"
    assert report.offsets[1].offset_s is None


def test_gcc_phat_recovers_a_shift() -> None:
    rng = np.random.default_rng(1)
    a = np.zeros(5000)
    a[rng.integers(0, 4000, 30)] = rng.uniform(5, 20, 30)
    b = np.roll(a, 250)
    lag, ratio = gcc_phat(a, b)
    assert abs(lag - 250) < 0.5 and ratio > 20


def test_a_volley_lines_up_on_what_both_heard() -> None:
    """A distant phone picks out 3 rounds of a 10-round burst: all 3 on the reference's rounds
    is a volley lined up; the same 3 half a cycle off is not."""
    burst = [1.0 + 0.1 * k for k in range(10)]
    assert _volley_lines_up(burst, [1.2, 1.5, 1.8])
    assert not _volley_lines_up(burst, [1.25, 1.55, 1.85])
    assert not _volley_lines_up(burst, [3.0, 3.1])  # nothing heard during the volley

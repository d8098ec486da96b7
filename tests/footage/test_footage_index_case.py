"""Several `cadena fingerprint` runs side by side on one case, after one killed mid-way.

Real child processes on a real case (SQLite and PostgreSQL): each fingerprint is stored once,
each index holds each fingerprint once, custody verifies, and `similar` finds a copy by its
picture and a screen recording by its sound with the time offset. A damaged index is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
from footage_clips import BIKES, BUNNY, CARPHONE
from sqlalchemy import select
from typer.testing import CliRunner

from cadena.cli.main import app
from cadena.intake.files import SourceFields, add_paths
from cadena.media.fingerprint import audio, store, transforms, video
from cadena.media.fingerprint.audio_index import LandmarkIndex
from cadena.media.fingerprint.index import CodeIndex
from cadena.media.fingerprint.models import Fingerprint
from cadena.vault.case import Case
from cadena.vault.verify import verify

runner = CliRunner()


def _fingerprint(case: Case, *items: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "cadena", "fingerprint", *items, "--case", str(case.config.root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _items(case: Case, tmp_path) -> dict[str, str]:
    mirror = transforms.transform(CARPHONE, tmp_path / "mirror.mp4", "mirror", seed=1)
    images, fps, _, _ = transforms.read_video(BIKES)
    _, _, sound, rate = transforms.read_video(BUNNY)
    start = int(1.5 * rate)  # a recording of other pictures with the bunny's sound from 1.5 s
    screen = transforms.write_video(
        tmp_path / "screen.mp4", images[:60], fps, 300_000, sound[start : start + 3 * rate], rate
    )
    names = {"carphone": CARPHONE, "mirror": mirror, "bunny": BUNNY, "screen": screen}
    add_paths(case, list(names.values()), SourceFields())
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in names.items()}


def _check_indexes(case: Case) -> None:
    """Each index holds exactly the stored fingerprints, each once."""
    with case.session(write=False) as s:
        rows = s.execute(select(Fingerprint).where(Fingerprint.problem.is_(None))).scalars().all()
        vids = {
            r.id: len(store.load_video(s, r.id).index_codes()[0])
            for r in rows
            if r.kind == video.KIND
        }
        sounds = {r.id: r.frames for r in rows if r.kind == audio.KIND}
        pairs = [(r.item_sha256, r.kind) for r in rows]
    assert len(pairs) == len(set(pairs))
    frames = CodeIndex(store.index_folder(case), group_shift=24)
    labels = np.concatenate([np.asarray(seg.labels) for seg in frames.segments])
    groups, counts = np.unique(labels >> 24, return_counts=True)
    assert dict(zip(groups.tolist(), counts.tolist(), strict=True)) == vids
    sound = LandmarkIndex(store.sound_folder(case))
    assert sound.groups() == set(sounds) and len(sound) == sum(sounds.values())


def _similar(case: Case, ref: str) -> dict[str, dict]:
    res = runner.invoke(app, ["similar", ref, "--case", str(case.config.root), "--json"])
    assert res.exit_code == 0, res.output
    return {h["item"]: h for h in json.loads(res.stdout)["similar"]}


def test_footage_fingerprint_runs_side_by_side_after_a_kill(case, tmp_path) -> None:
    shas = _items(case, tmp_path)
    killed = _fingerprint(case)
    time.sleep(2.5)  # started: importing, fingerprinting the first items
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    runs = [
        _fingerprint(case, shas["carphone"], shas["mirror"]),
        _fingerprint(case, shas["bunny"], shas["screen"]),
        _fingerprint(case),
    ]
    for p in runs:
        assert p.wait() == 0, p.stderr.read()
    report = verify(case)
    assert not report.findings, report.findings
    _check_indexes(case)

    hits = _similar(case, shas["screen"])
    assert set(hits) == {shas["bunny"]} and hits[shas["bunny"]]["by"] == ["sound"]
    assert abs(hits[shas["bunny"]]["offset_s"] - 1.5) <= 0.07
    assert set(_similar(case, shas["mirror"])) == {shas["carphone"]}

    # A damaged segment: the next query rebuilds the index from the stored fingerprints.
    seg = next(store.sound_folder(case).glob("seg-*"))
    (seg / "ids.npy").write_bytes(b"damaged")
    assert set(_similar(case, shas["screen"])) == {shas["bunny"]}
    _check_indexes(case)
    # A fingerprint the case does not have (say, from another case's folder) is dropped.
    stray = LandmarkIndex(store.sound_folder(case))
    stray.add(999_999, audio.fingerprint_audio(BUNNY))
    stray.flush()
    assert set(_similar(case, shas["screen"])) == {shas["bunny"]}
    _check_indexes(case)
    res = runner.invoke(
        app, ["fingerprint", "--rebuild-index", "--case", str(case.config.root), "--json"]
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["indexed"] == {"frames": 4, "sound": 2}
    _check_indexes(case)


def test_footage_same_item_stored_by_two_at_once(case) -> None:
    """Two processes (here a thread) finishing the same item: one stores it, the other nothing."""
    add_paths(case, [CARPHONE], SourceFields())
    sha = hashlib.sha256(CARPHONE.read_bytes()).hexdigest()
    work = store._compute(case, sha, "video", {video.KIND, audio.KIND})
    other: list[int] = []
    with case.session() as s:
        assert store._store_work(case, s, sha, work) == 2
        thread = threading.Thread(target=lambda: other.append(store.ensure_one(case, sha)))
        thread.start()
        time.sleep(2.0)  # it fingerprints, then waits on this transaction's rows (or after it)
    thread.join()
    assert other == [0]
    with case.session(write=False) as s:
        kinds = s.execute(select(Fingerprint.kind).where(Fingerprint.item_sha256 == sha)).all()
    assert sorted(k for (k,) in kinds) == sorted([video.KIND, audio.KIND])
    assert not verify(case).findings

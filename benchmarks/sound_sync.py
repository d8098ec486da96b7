"""Benchmark: offsets between phones filming one scene from different places.

    python benchmarks/sound_sync.py [--scenes N] [--seed S] [--previous REV] [--verbose]

Each scene (cadena.media.audio.generator.multi_mic_scene) has 3 phones 10–60 m apart,
starting up to 5 s apart, each with its own crowd, SNR (0–15 dB), clipping and AAC
codec; files are written as AAC-in-MP4 and decoded back with PyAV. The truth for an
offset is the one that aligns the gunfire (start-time difference plus the difference in
the muzzle blasts' travel times); the start-time difference alone is also reported.
Baseline from the same run: plain cross-correlation of the waveforms (8 kHz), which is
what an investigator does by hand in an audio editor. Unrelated pairs (this scene's first
phone against the last scene's second) measure false alignments.

`--previous REV` also runs sync.py as it was at git revision REV on the same analyses
(same files, same shots), for a before/after from one run. `--cache DIR` keeps each
scene's analyses (shots, envelopes, truths, the baseline's errors) in DIR and reuses them
on the next run with the same seed: for working on sync.py alone (the detector's output
is then that of the first run).
"""

from __future__ import annotations

import argparse
import pickle
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

import numpy as np

from cadena.media.audio.decode import decode, iter_chunks
from cadena.media.audio.generator import Recording, multi_mic_scene, phone_files
from cadena.media.audio.shots import ShotParams, analyse
from cadena.media.audio.sync import ENV_RATE, Heard, envelopes_from_chunks, sync_heard

ROOT = Path(__file__).resolve().parents[1]


def _truth(a: Recording, b: Recording) -> float | None:
    ta = {lab.emission: lab.t for lab in a.of_kind("shot")}
    tb = {lab.emission: lab.t for lab in b.of_kind("shot")}
    common = [ta[k] - tb[k] for k in ta if k in tb]
    return float(np.median(common)) if common else None


def _xcorr(a: np.ndarray, b: np.ndarray, rate: int) -> float:
    n = 1 << int(np.ceil(np.log2(a.size + b.size)))
    cc = np.fft.irfft(np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n)), n)
    lag = int(np.argmax(cc))
    if lag > n // 2:
        lag -= n
    return -lag / rate


def _previous(rev: str) -> types.ModuleType:
    """sync.py as it was at a git revision, loaded as a module."""
    code = subprocess.run(
        ["git", "show", f"{rev}:src/cadena/media/audio/sync.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    mod = types.ModuleType(f"sync_at_{rev}")
    sys.modules[mod.__name__] = mod  # dataclasses look their module up
    exec(compile(code, f"sync.py@{rev}", "exec"), mod.__dict__)  # noqa: S102 - our own history
    return mod


class Tally:
    """Errors of one method against the gunfire truth, and its answers on unrelated pairs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.errors: list[float] = []
        self.silent = 0  # said "no common sound" on a related pair
        self.caveated = 0  # gave a related pair an offset flagged "… only"
        self.false = 0  # gave an unflagged offset to an unrelated pair
        self.flagged = 0  # gave an unrelated pair an offset flagged "one volley/bursts only"
        self.misses: list[str] = []

    def related(self, off: Any, truth: float, where: str) -> None:
        if off.offset_s is None:
            self.silent += 1
            self.errors.append(np.inf)
        else:
            self.errors.append(abs(off.offset_s - truth))
            self.caveated += " only: " in off.status
        if self.errors[-1] > 0.010:
            got = "—" if off.offset_s is None else f"{1000 * (off.offset_s - truth):+.1f} ms"
            self.misses.append(f"{where}: {got} ({off.status})")

    def unrelated(self, off: Any) -> None:
        if off.offset_s is not None:
            if " only: " in off.status:  # "one volley only: …", "bursts only: …"
                self.flagged += 1
            else:
                self.false += 1

    def line(self, unrelated: int) -> str:
        e = np.array(self.errors)
        return (
            f"  {self.name:<22} within 10 ms: {np.mean(e <= 0.010):.1%}  median error "
            f"{1000 * np.median(e):.2f} ms  ({self.silent} said 'no common sound', "
            f"{self.caveated} flagged '… only'); "
            f"unrelated aligned {self.false}/{unrelated} (+{self.flagged} flagged '… only')"
        )


def _heard(path: Path) -> tuple[Heard, np.ndarray]:
    report = analyse(path, ShotParams())
    onset, blast = envelopes_from_chunks(iter_chunks(path, ENV_RATE, chunk_seconds=10.0))
    env = report.envelope if report.envelope is not None else onset
    return Heard(onset, blast, [e.t for e in report.shots]), env


Scene = tuple[list[tuple[Heard, np.ndarray]], dict[int, float], dict[int, float], dict[int, float]]


def _scene(folder: Path, seed: int, s: int) -> Scene:
    """One scene's analyses, the gunfire truths, the baseline's signed errors and the
    travel-time part of each offset (phones 1 and 2 against phone 0)."""
    rng = np.random.default_rng(seed + s)
    scene, mics = multi_mic_scene(rng, n_mics=3, duration_s=12.0)
    recs, paths = phone_files(folder, f"s{s}_", scene, mics, rng)
    items = [_heard(p) for p in paths]
    x0 = decode(paths[0], 8_000)
    truths: dict[int, float] = {}
    xerr: dict[int, float] = {}
    clk: dict[int, float] = {}
    for k in (1, 2):
        truth = _truth(recs[0], recs[k])
        if truth is None:
            continue
        truths[k] = truth
        clk[k] = mics[k].start_s - mics[0].start_s - truth
        xerr[k] = _xcorr(x0, decode(paths[k], 8_000), 8_000) - truth
    return items, truths, xerr, clk


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--previous", help="git revision of sync.py to compare with")
    ap.add_argument("--verbose", action="store_true", help="list every pair off by > 10 ms")
    ap.add_argument("--cache", type=Path, help="folder keeping each scene's analyses")
    a = ap.parse_args()
    prev = _previous(a.previous) if a.previous else None
    ours, before = Tally("cadena"), Tally(f"sync.py at {a.previous}")
    base: list[float] = []
    clock: list[float] = []
    unrelated = 0
    t0 = time.time()

    def run(items: list[tuple[Heard, np.ndarray]]) -> tuple[list[Any], list[Any]]:
        now = sync_heard([h for h, _ in items]).offsets
        if prev is None:
            return now, []
        if hasattr(prev, "sync_heard"):  # same envelopes, same shots
            heard = [prev.Heard(h.onset, h.blast, h.shots) for h, _ in items]
            return now, prev.sync_heard(heard).offsets
        old = prev.sync_reports([e for _, e in items], [h.shots for h, _ in items]).offsets
        return now, old

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        last: tuple[Heard, np.ndarray] | None = None
        for s in range(a.scenes):
            cached = a.cache / f"seed{a.seed}_scene{s}.pkl" if a.cache else None
            if cached is not None and cached.exists():
                items, truths, xerr, clk = pickle.loads(cached.read_bytes())
            else:
                items, truths, xerr, clk = _scene(folder, a.seed, s)
                if cached is not None:
                    cached.parent.mkdir(parents=True, exist_ok=True)
                    cached.write_bytes(pickle.dumps((items, truths, xerr, clk)))
            now, old = run(items)
            for k, truth in truths.items():
                clock.append(clk[k])
                ours.related(now[k], truth, f"scene {s} phone {k}")
                if old:
                    before.related(old[k], truth, f"scene {s} phone {k}")
                base.append(abs(xerr[k]))
            if last is not None:
                now_u, old_u = run([items[0], last])
                unrelated += 1
                ours.unrelated(now_u[1])
                if old_u:
                    before.unrelated(old_u[1])
            last = items[1]
    b, c = np.array(base), np.abs(np.array(clock))
    print(
        f"sync, {len(ours.errors)} phone pairs from {a.scenes} scenes, seed {a.seed} "
        "(3 phones each, AAC, 0–15 dB SNR):"
    )
    for t in (ours, before) if prev else (ours,):
        print(t.line(unrelated))
    print(
        f"  {'waveform xcorr':<22} within 10 ms: {np.mean(b <= 0.010):.1%}  median error "
        f"{1000 * np.median(b):.2f} ms  (always gives a number, also to unrelated pairs)"
    )
    print(
        f"  gunfire offset vs start-time difference (travel-time part): median "
        f"{1000 * np.median(c):.1f} ms, max {1000 * np.max(c):.1f} ms"
    )
    if a.verbose:
        for t in (ours, before) if prev else (ours,):
            for m in t.misses:
                print(f"  miss, {t.name}: {m}")
    print(f"(wall time {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()

"""Benchmark: offsets between phones filming one scene from different places.

    python benchmarks/sound_sync.py [--scenes N] [--seed S]

Each scene (cadena.media.audio.generator.multi_mic_scene) has 3 phones 10–60 m apart,
starting up to 5 s apart, each with its own crowd, SNR (0–15 dB), clipping and AAC
codec; files are written as AAC-in-MP4 and decoded back with PyAV. The truth for an
offset is the one that aligns the gunfire (start-time difference plus the difference in
the muzzle blasts' travel times); the start-time difference alone is also reported.
Baseline from the same run: plain cross-correlation of the waveforms (8 kHz), which is
what an investigator does by hand in an audio editor. Unrelated pairs (two different
scenes) measure false alignments.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from cadena.media.audio.decode import decode
from cadena.media.audio.encode import write_aac_mp4
from cadena.media.audio.generator import Recording, multi_mic_scene, render
from cadena.media.audio.shots import ShotParams, analyse
from cadena.media.audio.sync import sync_reports


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    ours: list[float] = []
    base: list[float] = []
    clock: list[float] = []
    unaligned = 0
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        last: Path | None = None
        false_aligned = unrelated = flagged = 0
        for s in range(a.scenes):
            rng = np.random.default_rng(a.seed + s)
            scene, mics = multi_mic_scene(rng, n_mics=3, duration_s=12.0)
            recs = [render(scene, m, rng) for m in mics]
            paths = []
            for k, rec in enumerate(recs):
                paths.append(folder / f"s{s}_{k}.m4a")
                write_aac_mp4(paths[-1], rec.audio, rec.rate, bitrate=48_000)
            reports = [analyse(p, ShotParams()) for p in paths]
            envs = [r.envelope for r in reports if r.envelope is not None]
            rep = sync_reports(envs, [[e.t for e in r.shots] for r in reports])
            x0 = decode(paths[0], 8_000)
            for off in rep.offsets[1:]:
                truth = _truth(recs[0], recs[off.index])
                if truth is None:
                    continue
                clock.append(mics[off.index].start_s - mics[0].start_s - truth)
                if off.offset_s is None:
                    unaligned += 1
                    ours.append(np.inf)
                else:
                    ours.append(abs(off.offset_s - truth))
                xb = decode(paths[off.index], 8_000)
                base.append(abs(_xcorr(x0, xb, 8_000) - truth))
            if last is not None:  # this scene's first phone against the last scene's
                r2 = [analyse(p, ShotParams()) for p in (paths[0], last)]
                e2 = [r.envelope for r in r2 if r.envelope is not None]
                u = sync_reports(e2, [[e.t for e in r.shots] for r in r2])
                unrelated += 1
                if u.offsets[1].offset_s is not None:
                    if "one volley" in u.offsets[1].status:
                        flagged += 1
                    else:
                        false_aligned += 1
            last = folder / f"keep{s}.m4a"
            paths[1].rename(last)
    o, b, c = np.array(ours), np.array(base), np.abs(np.array(clock))
    print(f"sync, {len(o)} phone pairs from {a.scenes} scenes (3 phones each, AAC, 0–15 dB SNR):")
    print(
        f"  cadena               within 10 ms: {np.mean(o <= 0.010):.1%}  median error "
        f"{1000 * np.median(o):.2f} ms  ({unaligned} said 'no common sound')"
    )
    print(
        f"  waveform xcorr       within 10 ms: {np.mean(b <= 0.010):.1%}  median error "
        f"{1000 * np.median(b):.2f} ms"
    )
    print(
        f"  unrelated pairs said aligned: cadena {false_aligned}/{unrelated}, plus {flagged} "
        "given an offset flagged 'one volley only' (confidence ≤ 0.3); the waveform "
        "cross-correlation always gives a number"
    )
    print(
        f"  gunfire offset vs start-time difference (travel-time part): median "
        f"{1000 * np.median(c):.1f} ms, max {1000 * np.max(c):.1f} ms"
    )
    print(f"(wall time {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()

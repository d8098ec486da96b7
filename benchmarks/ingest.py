"""Ingest benchmark: `cadena add` on ≥ 1 GB of generated H.264 videos against what an
investigator runs by hand on the same folder (`sha256sum` and `ffprobe -show_format
-show_streams` for each file).

Prints both wall times, their ratio (target ≤ 1.0) and Cadena's peak memory (target ≤ 200 MB).
Both runs read the same files from a warm page cache; each is run `--rounds` times and the
median is reported.

    python benchmarks/ingest.py [--gigabytes 1.0] [--file-mb 25] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cadena.media import synth

DATA = Path(__file__).parent / "data" / "ingest"


def make_folder(gigabytes: float, file_mb: int) -> Path:
    target = int(gigabytes * 1e9)
    DATA.mkdir(parents=True, exist_ok=True)
    files = sorted(DATA.glob("*.mp4"))
    n = 0
    while sum(f.stat().st_size for f in files) < target:
        path = DATA / f"clip_{n:03d}.mp4"
        if not path.exists():
            synth.big_video(path, file_mb * 1_000_000, seed=n)
            print(f"  generated {path.name} ({path.stat().st_size / 1e6:.1f} MB)", flush=True)
        n += 1
        files = sorted(DATA.glob("*.mp4"))
    return DATA


def run_child(cmd: list[str], **kw: object) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)  # type: ignore[call-overload]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss * 1024


def by_hand(folder: Path) -> float:
    script = (
        'for f in "$1"/*.mp4; do sha256sum "$f"; '
        'ffprobe -v quiet -show_format -show_streams "$f"; done'
    )
    wall, _ = run_child(["bash", "-c", script, "bash", str(folder)])
    return wall


def cadena_add(folder: Path, work: Path) -> tuple[float, int]:
    case = work / "case"
    shutil.rmtree(case, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "cadena", "init", str(case)], check=True, capture_output=True
    )
    return run_child(
        [sys.executable, "-m", "cadena", "add", str(folder), "--case", str(case), "--json"]
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gigabytes", type=float, default=1.0)
    ap.add_argument("--file-mb", type=int, default=25)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    if not shutil.which("ffprobe"):
        raise SystemExit("ffprobe is needed for the anchor: apt-get install ffmpeg")
    folder = make_folder(args.gigabytes, args.file_mb)
    files = sorted(folder.glob("*.mp4"))
    total = sum(f.stat().st_size for f in files)
    print(f"folder: {len(files)} H.264 files, {total / 1e9:.2f} GB")
    for f in files:  # warm the page cache for both contenders alike
        with f.open("rb") as fh:
            while fh.read(1 << 24):
                pass
    hand, ours, peaks = [], [], []
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent / "data") as work:
        for _ in range(args.rounds):
            hand.append(by_hand(folder))
            wall, peak = cadena_add(folder, Path(work))
            ours.append(wall)
            peaks.append(peak)
    h, o = statistics.median(hand), statistics.median(ours)
    print(f"sha256sum + ffprobe per file : {h:6.2f} s  ({total / h / 1e6:.0f} MB/s)")
    print(f"cadena add                   : {o:6.2f} s  ({total / o / 1e6:.0f} MB/s)")
    print(f"ratio cadena / by hand       : {o / h:6.2f}   (target <= 1.0)")
    print(f"cadena peak memory (max RSS) : {max(peaks) / 1e6:6.1f} MB (target <= 200 MB)")
    print(
        f"rounds: {args.rounds}; machine: {os.cpu_count()} cores; "
        f"max RSS of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB"
    )


if __name__ == "__main__":
    main()

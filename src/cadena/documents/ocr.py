"""Tesseract OCR through its command line, keeping every word's box and confidence (TSV output).

The page text is rebuilt from the TSV itself (words joined by spaces, lines by newlines, blocks
and paragraphs by a blank line), so each word's character offsets in the text are exact and a
quoted passage can be drawn on the page image.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image

from cadena.errors import CadenaError

LANG = "spa+eng"
PSM = 3  # fully automatic page segmentation
TIMEOUT = 600


@dataclass
class Word:
    text: str
    start: int
    end: int
    box: tuple[int, int, int, int]  # left, top, right, bottom
    conf: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "box": list(self.box),
            "conf": round(self.conf, 1),
        }


@dataclass
class OcrPage:
    text: str
    width: int
    height: int
    words: list[Word] = field(default_factory=list)

    @property
    def confidence(self) -> float | None:
        if not self.words:
            return None
        return round(sum(w.conf for w in self.words) / len(self.words), 1)


def tesseract_path() -> str:
    found = shutil.which("tesseract")
    if not found:
        raise CadenaError(
            "Tesseract is not installed: apt-get install tesseract-ocr "
            "tesseract-ocr-spa tesseract-ocr-eng"
        )
    return found


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    done = subprocess.run([tesseract_path(), "--version"], capture_output=True, text=True)
    first = (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
    return first.split()[-1] if first else "unknown"


def command(image: Path, lang: str = LANG, psm: int = PSM, dpi: int | None = None) -> list[str]:
    cmd = [tesseract_path(), str(image), "stdout", "-l", lang, "--psm", str(psm)]
    if dpi:
        cmd += ["--dpi", str(dpi)]
    return cmd + ["tsv"]


def ocr(image: Path, lang: str = LANG, psm: int = PSM, dpi: int | None = None) -> OcrPage:
    """OCR one page image. One thread (OMP_THREAD_LIMIT=1): pages run in parallel, not words."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        command(image, lang, psm, dpi), capture_output=True, text=True, env=env, timeout=TIMEOUT
    )
    if done.returncode != 0:
        raise OcrError(f"tesseract failed on {image.name}: {done.stderr.strip()[-300:]}")
    return parse_tsv(done.stdout)


# Below this mean word confidence a page may be sideways or upside down: ask Tesseract's
# orientation detection, and read it again turned if that reads better.
DOUBT_CONFIDENCE = 60.0


def ocr_upright(
    image: Path, lang: str = LANG, psm: int = PSM, dpi: int | None = None
) -> tuple[OcrPage, int]:
    """OCR a page that may have been scanned turned; returns the page and the clockwise turn
    (0, 90, 180, 270) its image was given before the words were read (boxes are in that frame)."""
    page = ocr(image, lang, psm, dpi)
    if page.confidence is not None and page.confidence >= DOUBT_CONFIDENCE:
        return page, 0
    turn = orientation(image)
    if not turn:
        return page, 0
    turned = image.with_name(f"{image.stem}-turned-{turn}.pgm")  # PNG-encoding a scan is slow
    with Image.open(image) as im:
        im.rotate(-turn, expand=True).save(turned)
    again = ocr(turned, lang, psm, dpi)
    return (again, turn) if _score(again) > _score(page) else (page, 0)


def _score(page: OcrPage) -> float:
    return sum(w.conf for w in page.words if w.conf >= DOUBT_CONFIDENCE)


def orientation(image: Path, min_confidence: float = 1.5) -> int:
    """The clockwise turn Tesseract's orientation detection (OSD) says the page needs, or 0
    (also when it cannot tell: too little text, or not confident)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run(
        [tesseract_path(), str(image), "stdout", "--psm", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
    )
    turn = re.search(r"Rotate: (\d+)", done.stdout)
    conf = re.search(r"Orientation confidence: ([\d.]+)", done.stdout)
    if done.returncode != 0 or not turn or not conf or float(conf.group(1)) < min_confidence:
        return 0
    return int(turn.group(1)) % 360


class OcrError(Exception):
    """Tesseract could not read an image (reported on the page, never raised to the user)."""


def parse_tsv(tsv: str) -> OcrPage:
    rows = list(csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE))
    page = OcrPage("", 0, 0)
    parts: list[str] = []
    pos = 0
    last_line: tuple[str, str, str] | None = None
    last_par: tuple[str, str] | None = None
    for r in rows:
        if r.get("level") == "1":
            page.width, page.height = int(r["width"]), int(r["height"])
        if r.get("level") != "5" or not (r.get("text") or "").strip():
            continue
        par = (r["block_num"], r["par_num"])
        line = (*par, r["line_num"])
        if last_line is not None:
            sep = " " if line == last_line else ("\n" if par == last_par else "\n\n")
            parts.append(sep)
            pos += len(sep)
        word = r["text"].strip()
        left, top = int(r["left"]), int(r["top"])
        box = (left, top, left + int(r["width"]), top + int(r["height"]))
        page.words.append(Word(word, pos, pos + len(word), box, float(r["conf"])))
        parts.append(word)
        pos += len(word)
        last_line, last_par = line, par
    page.text = "".join(parts)
    return page

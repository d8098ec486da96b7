"""PDF pages: the text layer (pypdf) with word boxes (poppler's pdftotext -bbox), and pages
rasterised (poppler's pdftoppm) for OCR when the layer is absent or garbage."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pypdf
from defusedxml import ElementTree

from cadena.errors import CadenaError

DPI = 300
TIMEOUT = 300


class PdfUnreadable(Exception):
    """The file cannot be opened as a PDF at all; `status` is damaged or encrypted."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass
class LayerPage:
    number: int  # 1-based
    text: str
    width: float  # points
    height: float
    words: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None  # the text layer could not be read


def pypdf_version() -> str:
    return str(pypdf.__version__)


@lru_cache(maxsize=1)
def poppler_version() -> str:
    done = subprocess.run([_tool("pdftoppm"), "-v"], capture_output=True, text=True)
    m = re.search(r"version ([\d.]+)", done.stderr + done.stdout)
    return m.group(1) if m else "unknown"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise CadenaError(f"{name} is not installed: apt-get install poppler-utils")
    return found


def open_reader(path: Path) -> tuple[pypdf.PdfReader, str | None]:
    """A reader, and a note when the file was encrypted with an empty user password."""
    try:
        reader = pypdf.PdfReader(str(path), strict=False)
        note = None
        if reader.is_encrypted:
            if not reader.decrypt(""):
                raise PdfUnreadable(
                    "encrypted",
                    "the PDF is encrypted with a password: ask its "
                    "source for it, decrypt a copy and add that copy as an item "
                    "(this one stays preserved as it is)",
                )
            note = "encrypted with an empty user password; read without one"
        len(reader.pages)  # parses the page tree: damage shows here
        return reader, note
    except PdfUnreadable:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise PdfUnreadable(
            "damaged",
            f"not readable as a PDF ({type(exc).__name__}: "
            f"{str(exc)[:200]}); the original is preserved unchanged",
        ) from None


def layer_pages(path: Path, reader: pypdf.PdfReader) -> list[LayerPage]:
    """Every page's text layer; a page whose layer fails is kept with its error."""
    pages = []
    for i in range(len(reader.pages)):
        try:
            page = reader.pages[i]
            box = page.mediabox
            # NFC: a decomposed accent would split a word in two for search.
            text = unicodedata.normalize("NFC", page.extract_text() or "")
            pages.append(LayerPage(i + 1, text, float(box.width), float(box.height)))
        except Exception as exc:
            pages.append(LayerPage(i + 1, "", 612.0, 792.0, error=f"{type(exc).__name__}: {exc}"))
    _attach_boxes(path, pages)
    return pages


def _attach_boxes(path: Path, pages: list[LayerPage]) -> None:
    """Word boxes (points, top-left origin) from pdftotext, aligned to pypdf's text in order."""
    try:
        done = subprocess.run(
            [_tool("pdftotext"), "-bbox", str(path), "-"], capture_output=True, timeout=TIMEOUT
        )
        root = ElementTree.fromstring(done.stdout)
    except Exception:
        return  # boxes are a help for showing passages, not a condition for the text
    ns = "{http://www.w3.org/1999/xhtml}"
    for number, page_el in enumerate(root.iter(f"{ns}page"), start=1):
        if number > len(pages):
            break
        page = pages[number - 1]
        cursor = 0
        for w in page_el.iter(f"{ns}word"):
            word = (w.text or "").strip()
            at = page.text.find(word, cursor, cursor + 400) if word else -1
            if at < 0:
                continue
            box = [round(float(w.get(k, "0")), 2) for k in ("xMin", "yMin", "xMax", "yMax")]
            page.words.append({"text": word, "start": at, "end": at + len(word), "box": box})
            cursor = at + len(word)


def garbage_reason(text: str) -> str | None:
    """Why a text layer is not worth keeping (then the page is OCR'd), or None if it is."""
    visible = [c for c in text if not c.isspace()]
    if len(visible) < 12:
        return "no text layer" if not visible else "text layer nearly empty"
    letters = sum(c.isalpha() for c in visible)
    odd = sum(c == "\ufffd" or 0xE000 <= ord(c) <= 0xF8FF or ord(c) < 32 for c in visible)
    if odd / len(visible) > 0.05 or "(cid:" in text:
        return "text layer holds unmapped glyphs"
    if letters / len(visible) < 0.5:
        return "text layer is mostly not letters"
    words = re.findall(r"[^\W\d_]+", text)
    wordlike = sum(1 for w in words if len(w) > 1 and re.search(r"[aeiouáéíóúüyAEIOUÁÉÍÓÚÜY]", w))
    if words and wordlike / len(words) < 0.4:
        return "text layer does not look like words"
    return None


def rasterise(path: Path, page: int, out_dir: Path, dpi: int = DPI) -> Path:
    """One page as a greyscale PGM at `dpi` (uncompressed: PNG-encoding a noisy scan costs
    pdftoppm ~30 times longer than rendering it)."""
    prefix = out_dir / f"page-{page}"
    cmd = [
        _tool("pdftoppm"),
        "-r",
        str(dpi),
        "-gray",
        "-f",
        str(page),
        "-l",
        str(page),
        "-singlefile",
        str(path),
        str(prefix),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    png = prefix.with_suffix(".pgm")
    if done.returncode != 0 or not png.exists():
        raise RasteriseError(f"pdftoppm could not render page {page}: {done.stderr.strip()[-200:]}")
    return png


class RasteriseError(Exception):
    pass

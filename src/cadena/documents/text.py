"""Each page's text of a document item: the PDF text layer where there is one worth keeping, OCR
(Tesseract, Spanish and English) where there is none or it is garbage, office XML, plain text.

`extract_file` reads one file and never raises for what the file holds: a damaged or encrypted
PDF comes back as an `Extraction` whose status says so, with what to do.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from cadena import __version__
from cadena.documents import ocr, office, pdf, plain

OFFICE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
}
TEXT_TYPES = {"text/plain", "text/csv", "text/markdown", "text/html"}
# An image is kept as a document only if OCR finds this many confident words (not a street photo).
MIN_IMAGE_WORDS, MIN_WORD_CONF = 5, 60.0


@dataclass
class PageResult:
    page: int
    method: str  # text-layer | ocr | office | plain
    text: str
    tool: str
    tool_version: str
    params: dict[str, Any]
    language: str | None = None
    words: dict[str, Any] | None = None  # {"unit", "width", "height", "words": [...]}
    confidence: float | None = None
    note: str | None = None


@dataclass
class Extraction:
    status: str  # ok | no_text | damaged | encrypted | unsupported
    detail: str | None = None
    pages: list[PageResult] = field(default_factory=list)


def readable(media_type: str, kind: str) -> bool:
    """Whether this phase reads text from items of this type."""
    return (
        media_type == "application/pdf"
        or media_type in OFFICE_TYPES
        or media_type in TEXT_TYPES
        or kind == "image"
    )


PageProgress = Callable[[int, int], None]  # pages done, pages in the file


def extract_file(
    path: Path,
    media_type: str,
    kind: str,
    lang: str = ocr.LANG,
    workers: int | None = None,
    on_page: PageProgress | None = None,
) -> Extraction:
    """The text of each page of one file; `on_page(done, total)` as PDF pages are read."""
    if media_type == "application/pdf":
        found = _pdf(path, lang, workers, on_page)
    elif media_type in OFFICE_TYPES:
        found = _office(path, media_type)
    elif media_type in TEXT_TYPES:
        found = _plain(path, media_type)
    elif kind == "image":
        found = _image(path, lang)
    else:
        return Extraction("unsupported", f"no text is read from {media_type} items")
    if found.status == "ok" and not any(p.text.strip() for p in found.pages):
        found.status = "no_text"
    return found


# -- PDF ------------------------------------------------------------------------------------------


def _pdf(path: Path, lang: str, workers: int | None, on_page: PageProgress | None) -> Extraction:
    try:
        reader, note = pdf.open_reader(path)
    except pdf.PdfUnreadable as exc:
        return Extraction(exc.status, exc.detail)
    layers = pdf.layer_pages(path, reader)
    jobs: list[Callable[[], PageResult]] = []
    for layer in layers:
        reason = (
            layer.error
            and f"text layer unreadable ({layer.error})"
            or pdf.garbage_reason(layer.text)
        )
        if reason is None:
            jobs.append(partial(_layer_result, layer))
        else:
            jobs.append(partial(_ocr_pdf_page, path, layer.number, lang, reason))
    done = [0]
    lock = threading.Lock()

    def run(job: Callable[[], PageResult]) -> PageResult:
        result = job()
        if on_page:
            with lock:
                done[0] += 1
                on_page(done[0], len(jobs))
        return result

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        pages = list(pool.map(run, jobs))
    return Extraction("ok", note, pages)


def _layer_result(layer: pdf.LayerPage) -> PageResult:
    words = {"unit": "pt", "width": layer.width, "height": layer.height, "words": layer.words}
    return PageResult(
        layer.number,
        "text-layer",
        layer.text,
        "pypdf",
        pdf.pypdf_version(),
        {
            "method": "text-layer",
            "page": layer.number,
            "boxes": f"pdftotext -bbox (poppler {pdf.poppler_version()})",
        },
        words=words,
    )


def _ocr_pdf_page(path: Path, number: int, lang: str, reason: str) -> PageResult:
    params = {
        "method": "ocr",
        "page": number,
        "lang": lang,
        "psm": ocr.PSM,
        "dpi": pdf.DPI,
        "rasteriser": f"pdftoppm {pdf.poppler_version()} -gray",
        "reason": reason,
    }
    with tempfile.TemporaryDirectory(prefix="cadena-ocr-") as tmp:
        try:
            image = pdf.rasterise(path, number, Path(tmp))
            found, turn = ocr.ocr_upright(image, lang, dpi=pdf.DPI)
        except (pdf.RasteriseError, ocr.OcrError) as exc:
            return PageResult(
                number,
                "ocr",
                "",
                "tesseract",
                ocr.tesseract_version(),
                params,
                lang,
                note=f"{reason}; and OCR failed: {exc}",
            )
    return _ocr_result(number, found, params, lang, note=reason, dpi=pdf.DPI, turn=turn)


def _ocr_result(
    number: int,
    found: ocr.OcrPage,
    params: dict[str, Any],
    lang: str,
    note: str | None,
    dpi: int | None,
    turn: int = 0,
) -> PageResult:
    if turn:
        params = {**params, "turned": turn}
        note = f"{note + '; ' if note else ''}page read turned {turn}° clockwise"
    words = {
        "turned": turn,
        "unit": "px",
        "width": found.width,
        "height": found.height,
        "dpi": dpi,
        "words": [w.as_dict() for w in found.words],
    }
    return PageResult(
        number,
        "ocr",
        found.text,
        "tesseract",
        ocr.tesseract_version(),
        params,
        lang,
        words,
        found.confidence,
        note,
    )


# -- images, office, plain text -------------------------------------------------------------------


def _image(path: Path, lang: str) -> Extraction:
    with tempfile.TemporaryDirectory(prefix="cadena-ocr-") as tmp:
        png = Path(tmp) / "page.pgm"  # uncompressed: PNG-encoding a scan is slow
        try:
            with Image.open(path) as im:
                ImageOps.exif_transpose(im).convert("L").save(png)
        except Exception as exc:
            return Extraction(
                "damaged",
                f"not readable as an image ({type(exc).__name__}: "
                f"{str(exc)[:200]}); the original is preserved unchanged",
            )
        try:
            found, turn = ocr.ocr_upright(png, lang)
        except ocr.OcrError as exc:
            return Extraction("damaged", str(exc))
    confident = [w for w in found.words if w.conf >= MIN_WORD_CONF and len(w.text) > 1]
    if len(confident) < MIN_IMAGE_WORDS:
        return Extraction("no_text", "OCR found no confident words: not taken for a document")
    params = {
        "method": "ocr",
        "page": 1,
        "lang": lang,
        "psm": ocr.PSM,
        "orientation": "EXIF applied, greyscale",
    }
    return Extraction("ok", None, [_ocr_result(1, found, params, lang, None, None, turn)])


def _office(path: Path, media_type: str) -> Extraction:
    try:
        texts = office.pages(path, media_type)
    except office.OfficeUnreadable as exc:
        return Extraction(
            "damaged",
            f"not readable as an office document ({exc}); the original is preserved unchanged",
        )
    return Extraction(
        "ok",
        None,
        [
            PageResult(
                i,
                "office",
                t,
                "cadena.documents.office",
                __version__,
                {
                    "method": "office",
                    "page": i,
                    "media_type": media_type,
                    "page_words": plain.PAGE_WORDS,
                },
            )
            for i, t in enumerate(texts, start=1)
        ],
    )


def _plain(path: Path, media_type: str) -> Extraction:
    text, encoding = plain.decode(path.read_bytes())
    if media_type == "text/html":
        text = _html_text(text)
    return Extraction(
        "ok",
        None,
        [
            PageResult(
                i,
                "plain",
                t,
                "cadena.documents.plain",
                __version__,
                {
                    "method": "plain",
                    "page": i,
                    "encoding": encoding,
                    "page_words": plain.PAGE_WORDS,
                },
            )
            for i, t in enumerate(plain.paginate(text), start=1)
        ],
    )


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self._skip += tag in ("script", "style")
        if tag in ("p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOnly()
    parser.feed(html)
    return "".join(parser.parts)

"""OCR throughput: pages per minute per core of `cadena text` on scanned pages, beside Tesseract's
own command line on the same pages, from one run.

The pages are generated: A4 at 300 dpi, Spanish typed text in DejaVu Sans (Debian's
fonts-dejavu-core), salt-and-pepper noise, a slight blur and a 1° rotation, wrapped in a PDF as
a scanner would. Ours is the whole pipeline of `cadena text` for such a PDF, one page at a time
(workers=1): pypdf finds no text layer, pdftoppm renders the page, Tesseract reads it with word
boxes (TSV), the text is rebuilt. The anchor is `tesseract PAGE OUT -l spa+eng` (plain text) on the
same pages already rendered, also one thread (OMP_THREAD_LIMIT=1). Accuracy is the share of the
known text recovered (difflib ratio), for both.

    python benchmarks/documents_ocr.py [--pages 4]
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import subprocess
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from cadena.documents import ocr, pdf
from cadena.documents.text import extract_file

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_WORDS_TEXT = (
    "el comandante de la brigada ordena a las unidades desplegadas en el sector norte despejar "
    "la vía con apoyo del escuadrón móvil y emplear los medios necesarios contra los grupos "
    "hostiles que bloquean la avenida principal los manifestantes serán tratados como "
    "obstáculos humanos según el informe de inteligencia se autoriza el uso de armas de fuego "
    "en caso de ataque a las instalaciones militares el coronel informará al ministro sobre "
    "las novedades del día y los heridos trasladados al hospital"
)
WORDS = _WORDS_TEXT.split()


def page_text(seed: int, lines: int = 40) -> str:
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choices(WORDS, k=9)).capitalize() for _ in range(lines))


def scan(text: str, seed: int) -> Image.Image:
    rng = random.Random(seed)
    page = Image.new("L", (2480, 3508), 248)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 42)
    for i, line in enumerate(text.splitlines()):
        draw.text((200, 250 + i * 72), line, font=font, fill=25)
    px = page.load()
    assert px is not None
    for _ in range(60_000):
        px[rng.randrange(page.width), rng.randrange(page.height)] = rng.choice((0, 128, 255))
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    return page.rotate(1.0, resample=Image.Resampling.BICUBIC, fillcolor=248)


def accuracy(found: str, truth: str) -> float:
    a, b = " ".join(found.split()), " ".join(truth.split())
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=4)
    args = ap.parse_args()
    truths = [page_text(i) for i in range(args.pages)]
    with tempfile.TemporaryDirectory(prefix="cadena-bench-ocr-") as tmp:
        d = Path(tmp)
        images = [scan(t, i) for i, t in enumerate(truths)]
        scanned = d / "scan.pdf"
        images[0].save(scanned, "PDF", resolution=300.0, save_all=True, append_images=images[1:])
        print(
            f"{args.pages} scanned A4 pages, 300 dpi, {len(truths[0].split())} words each; "
            f"tesseract {ocr.tesseract_version()}, poppler {pdf.poppler_version()}"
        )

        t = time.perf_counter()
        got = extract_file(scanned, "application/pdf", "document", workers=1)
        ours = time.perf_counter() - t
        assert [p.method for p in got.pages] == ["ocr"] * args.pages, got
        ours_acc = sum(accuracy(p.text, tr) for p, tr in zip(got.pages, truths, strict=True))

        rendered = [pdf.rasterise(scanned, n, d, pdf.DPI) for n in range(1, args.pages + 1)]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        t = time.perf_counter()
        for n, image in enumerate(rendered):
            subprocess.run(
                ["tesseract", str(image), str(d / f"out{n}"), "-l", "spa+eng"],
                check=True,
                capture_output=True,
                env=env,
            )
        anchor = time.perf_counter() - t
        anchor_acc = sum(
            accuracy((d / f"out{n}.txt").read_text("utf-8"), tr) for n, tr in enumerate(truths)
        )

    ours_ppm, anchor_ppm = args.pages / ours * 60, args.pages / anchor * 60
    print(
        f"cadena text (render + OCR + word boxes), 1 core: {ours_ppm:.1f} pages/min "
        f"({ours / args.pages:.1f} s/page), text recovered {ours_acc / args.pages:.1%}"
    )
    print(
        f"anchor: tesseract CLI on the rendered pages, 1 core: {anchor_ppm:.1f} pages/min "
        f"({anchor / args.pages:.1f} s/page), text recovered {anchor_acc / args.pages:.1%}"
    )
    print(f"ratio ours/anchor: {ours_ppm / anchor_ppm:.2f} (1.0 = as fast as Tesseract alone)")
    print(f"os.cpu_count() = {os.cpu_count()}; `cadena text` runs one page per core in parallel")


if __name__ == "__main__":
    main()

"""Generated documents for the documents tests: born-digital PDF, scanned PDF, DOCX."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from cadena.documents.batch import record
from cadena.documents.text import Extraction, extract_file
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.media.sniff import sniff
from cadena.vault.case import Case

# ruff: noqa: E501

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

BORN_DIGITAL = [
    "MINISTERIO DE DEFENSA\nPlan de operaciones 04/2022\nAsunto: control de disturbios",
    "Se autoriza el uso de armas de fuego contra los grupos hostiles.\n"
    "Los manifestantes serán tratados como obstáculos humanos.",
]
SCAN_PAGES = [
    "COMANDO DE POLICIA\nInforme de novedades",
    "Los terroristas bloquearon la avenida.\nSe ordena despejar la via\ncon apoyo del escuadrón.",
]


def scan_image(lines: str, seed: int = 0, angle: float = 1.2) -> Image.Image:
    """A page as a scanner gives it: 150 dpi A5-ish, grey paper, noise, a slight rotation."""
    rng = random.Random(seed)
    page = Image.new("L", (1240, 900), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34)
    y = 90
    for line in lines.splitlines():
        draw.text((90, y), line, font=font, fill=20)
        y += 60
    pixels = page.load()
    assert pixels is not None
    for _ in range(12000):  # salt and pepper
        x, yy = rng.randrange(page.width), rng.randrange(page.height)
        pixels[x, yy] = rng.choice((0, 120, 255))
    page = page.filter(ImageFilter.GaussianBlur(0.6))
    return page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=250, expand=False)


def scanned_pdf(path: Path, pages: list[str] = SCAN_PAGES) -> Path:
    images = [scan_image(text, seed=i) for i, text in enumerate(pages)]
    images[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=images[1:])
    return path


DOCX_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Oficio 118: al comandante de la Brigada 3.</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Dispare </w:t></w:r><w:r><w:t>sin previo aviso.</w:t></w:r></w:p>
<w:p><w:r><w:br w:type="page"/></w:r><w:r><w:t>Anexo: lista de unidades desplegadas.</w:t></w:r></w:p>
</w:body></w:document>"""

# Long lines below are XML as Word writes it.
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""

RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def docx(path: Path, body: str = DOCX_XML) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("word/document.xml", body)
    return path


@pytest.fixture(scope="session")
def docs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three generated documents, made once for the session (the originals stay as made)."""
    d = tmp_path_factory.mktemp("documents")
    synth.pdf(d / "plan.pdf", BORN_DIGITAL, title="Plan de operaciones 04/2022")
    scanned_pdf(d / "informe-escaneado.pdf")
    docx(d / "oficio.docx")
    return d


@pytest.fixture
def scanned_page() -> Image.Image:
    """The second scanned page alone, as a phone photo of it would be read (no PDF)."""
    return scan_image(SCAN_PAGES[1], seed=3, angle=-0.8)


DOCS = {"plan": "plan.pdf", "scan": "informe-escaneado.pdf", "docx": "oficio.docx"}


@pytest.fixture(scope="session")
def extracted(docs_dir: Path) -> dict[str, Extraction]:
    """Each document's pages, read once for the session (OCR is the slow part of the tests)."""
    out = {}
    for short, name in DOCS.items():
        found = sniff(docs_dir / name)
        out[short] = extract_file(docs_dir / name, found.media_type, found.kind)
    return out


@pytest.fixture
def indexed(case: Case, docs_dir: Path, extracted: dict[str, Extraction]) -> dict[str, str]:
    """The three documents added to the case and recorded (pages, derivatives, index), as
    `read_items` would; returns {sha256: short name}."""
    by_sha = {}
    for short, name in DOCS.items():
        sha = add_paths(case, [docs_dir / name], SourceFields()).outcomes[0].sha256 or ""
        with case.session() as s:
            record(case, s, sha, extracted[short])
        by_sha[sha] = short
    return by_sha

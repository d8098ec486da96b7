"""Write a `Dossier` as one self-contained HTML file (styles inline, charts as inline SVG, no
remote asset) and, on request, a PDF of the same HTML through WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from PIL import ImageFile

from cadena.analysis.findings import Finding, Text
from cadena.errors import CadenaError
from cadena.publish.dossier.build import build
from cadena.publish.dossier.charts import timeline_svg
from cadena.publish.dossier.i18n import assumption_text, check_lang, translator, word
from cadena.publish.dossier.mapping import map_svg
from cadena.publish.dossier.model import Block, Dossier, FindingView
from cadena.publish.dossier.orgchart import orgchart_svg
from cadena.vault.case import Case

TEMPLATES = Path(__file__).with_name("templates")
SECTIONS = (
    "summary",
    "timeline",
    "map",
    "orgcharts",
    "notice",
    "elements",
    "patterns",
    "gaps",
    "citations",
    "register",
    "method",
)


@dataclass(frozen=True)
class Written:
    lang: str
    html: Path
    pdf: Path | None
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "html": str(self.html),
            "pdf": str(self.pdf) if self.pdf else None,
            "counts": self.counts,
        }


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=False,
    )
    return env


def _assumption(lang: str) -> Any:
    def show(a: str | Text) -> str:
        return a.get(lang) if isinstance(a, Text) else assumption_text(str(a), lang)

    return show


def _in_lang(value: Any, lang: str) -> str:
    """A finding's bilingual data value ({"en", "es"}) in the language; plain values as given."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or "")
    return "" if value is None else str(value)


def _element_label(lang: str) -> Any:
    def label(f: Finding) -> str:
        for key in ("title", "element"):
            if f.data.get(key):
                return _in_lang(f.data[key], lang)
        return f.kind

    return label


@dataclass(frozen=True)
class MatrixRow:
    framework: str
    label: str
    cells: tuple[FindingView | None, ...]


def element_matrix(block: Block, lang: str) -> tuple[list[int], list[MatrixRow]]:
    """A superior's element findings laid out as a grid: one row per framework element, one
    column per incident, each cell the finding (its status and anchor)."""
    incidents: list[int] = []
    rows: dict[tuple[str, str], dict[int, FindingView]] = {}
    labels: dict[tuple[str, str], str] = {}
    for fv in block.findings:
        f = fv.finding
        inc = int(f.data.get("incident", 0))
        if inc not in incidents:
            incidents.append(inc)
        key = (f.framework or "", str(f.data.get("element", f.kind)))
        rows.setdefault(key, {})[inc] = fv
        labels[key] = _element_label(lang)(f)
    return incidents, [
        MatrixRow(fw, labels[(fw, el)], tuple(cells.get(i) for i in incidents))
        for (fw, el), cells in rows.items()
    ]


def stats(d: Dossier) -> list[tuple[str, int]]:
    superiors = {
        sup["person"] for b in d.blocks.get("chain", []) for sup in b.summary.get("superiors", [])
    }
    return [
        ("summary.incidents", len(d.incidents)),
        ("summary.killed", sum(i.killed or 0 for i in d.incidents)),
        ("summary.injured", sum(i.injured or 0 for i in d.incidents)),
        ("summary.superiors", len(superiors)),
        ("summary.items", len(d.register)),
        ("summary.verified", sum(1 for r in d.register if r.status == "verified")),
        ("summary.findings", len(d.findings())),
        ("summary.gaps", sum(len(b.findings) for b in d.blocks.get("gaps", []))),
    ]


def render_html(d: Dossier, lang: str) -> str:
    """The dossier as one HTML document in `lang` (en or es)."""
    check_lang(lang)
    env = _environment()
    numbers = {i.fact_id: n for n, i in enumerate(d.incidents, 1)}
    incident_titles = {i.fact_id: f"{n}. {i.title}" for n, i in enumerate(d.incidents, 1)}
    env.globals.update(
        element_label=_element_label(lang),
        assumption=_assumption(lang),
        in_lang=lambda v: _in_lang(v, lang),
        incident_title=lambda fid: incident_titles.get(fid, f"#{fid}"),
        incident_number=lambda fid: numbers.get(fid, "?"),
        element_matrix=lambda b: element_matrix(b, lang),
    )
    return env.get_template("dossier.html").render(
        d=d,
        lang=lang,
        t=translator(lang),
        word=word,
        css=(TEMPLATES / "dossier.css").read_text(encoding="utf-8"),
        sections=SECTIONS,
        stats=stats(d),
        timeline=timeline_svg(d.events, numbers, lang),
        map=map_svg(d.incidents, d.deployments, lang),
        orgcharts={i.fact_id: orgchart_svg(i, lang) for i in d.incidents},
    )


def write_pdf(html: str, path: Path) -> Path:
    """The same HTML through WeasyPrint (it reads the inline SVG; nothing is fetched)."""
    strict = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise CadenaError(
            "The PDF needs WeasyPrint and Pango: pip install weasyprint; on Debian/Ubuntu also "
            f"apt-get install libpango-1.0-0 libpangoft2-1.0-0 ({exc})."
        ) from None
    finally:
        # WeasyPrint's import tells Pillow to accept truncated images, for the whole process:
        # evidence must never be read that way (a cut file would pass as whole), so undo it.
        ImageFile.LOAD_TRUNCATED_IMAGES = strict

    def no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the dossier fetches nothing ({url})")

    HTML(string=html, url_fetcher=no_fetch).write_pdf(str(path))
    return path


def write_dossier(
    case: Case,
    out: str | Path,
    *,
    lang: str = "en",
    pdf: bool = False,
    dossier: Dossier | None = None,
    check_integrity: bool = True,
) -> Written:
    """Build (unless given) and write `dossier-<lang>.html` (and `.pdf`) into `out`."""
    check_lang(lang)
    d = dossier or build(case, check_integrity=check_integrity)
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CadenaError(
            f"Cannot write the dossier into {folder}: {exc.strerror}; give --out "
            "a folder you can write to."
        ) from None
    html = render_html(d, lang)
    html_path = folder / f"dossier-{lang}.html"
    tmp = html_path.with_suffix(".html.part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(html_path)  # never a half-written dossier under the real name
    pdf_path = None
    if pdf:
        part = folder / f"dossier-{lang}.pdf.part"
        write_pdf(html, part)
        pdf_path = part.replace(folder / f"dossier-{lang}.pdf")
    counts = {
        "incidents": len(d.incidents),
        "findings": len(d.findings()),
        "citations": len(d.citations),
        "items": len(d.register),
    }
    return Written(lang, html_path, pdf_path, counts)

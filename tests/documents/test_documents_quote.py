"""Passages as citations: checked against the page's text, refused when not on the page,
recorded with offsets and word boxes, drawn highlighted on the cropped page."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from cadena.documents.models import Quote
from cadena.documents.quote import QuoteRefused, locate, passages, quote
from cadena.errors import CadenaError
from cadena.vault.case import Case
from cadena.vault.models import CustodyEntry, Derivative
from cadena.vault.verify import verify


def _sha(indexed: dict[str, str], short: str) -> str:
    return next(sha for sha, name in indexed.items() if name == short)


def _count(case: Case, model: type) -> int:
    with case.session(write=False) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_locate_tolerates_case_accents_whitespace_and_hyphenation() -> None:
    page = "Los manifestantes serán tratados\ncomo  obstáculos hu-\nmanos por la unidad."
    [(start, end)] = locate(page, "SERAN tratados como obstaculos humanos")
    assert page[start:end] == "serán tratados\ncomo  obstáculos hu-\nmanos"
    assert locate(page, "tratados como escudos humanos") == []


def test_locate_matches_whole_words_and_every_occurrence() -> None:
    page = "La Armada entregó un arma. Otra arma, «arma» larga."
    assert [page[a:b] for a, b in locate(page, "arma")] == ["arma", "arma", "arma"]
    assert locate(page, "armad") == []  # not a word of the page
    assert [page[a:b] for a, b in locate(page, '"arma"')] == ["«arma»"]


def test_a_passage_of_the_scan_is_recorded_with_boxes_and_highlighted_image(
    case: Case, indexed: dict[str, str]
) -> None:
    scan = _sha(indexed, "scan")
    p = quote(case, scan[:10], 2, text="los TERRORISTAS bloquearon la avenida")
    assert p.text == "Los terroristas bloquearon la avenida"
    assert "terroristas" in [b["text"] for b in p.boxes] and len(p.boxes) == 5
    loc = p.locator()
    assert loc["kind"] == "passage" and loc["item"] == scan and loc["page"] == 2
    assert p.image_sha256 is not None
    with case.session(write=False) as s:
        d = s.execute(select(Derivative).where(Derivative.sha256 == p.image_sha256)).scalar()
        assert d is not None and d.kind == "passage-image" and d.params["page"] == 2
        logged = s.execute(select(CustodyEntry).where(CustodyEntry.action == "quote")).scalar()
        assert logged is not None and '"kind":"passage"' in logged.details
    image = Image.open(BytesIO(case.blobs.local_path(p.image_sha256).read_bytes())).convert("RGB")
    # Cropped: the page was read at 300 dpi (2480 x 1800 px); the passage is one line.
    assert image.width < 2000 and image.height < 600
    yellow = sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g > 150 and b < 150)
    assert yellow > 2000  # the highlight is drawn
    assert passages(case, scan[:10])[0]["text"] == p.text
    assert verify(case).clean


def test_a_passage_not_on_the_page_is_refused_and_nothing_recorded(
    case: Case, indexed: dict[str, str]
) -> None:
    plan, scan = _sha(indexed, "plan"), _sha(indexed, "scan")
    before = _count(case, CustodyEntry)
    with pytest.raises(QuoteRefused, match="It is on page 2"):
        quote(case, plan, 1, text="armas de fuego")
    with pytest.raises(QuoteRefused, match="not on page 2"):
        quote(case, scan, 2, text="Los terroristas incendiaron la avenida")
    assert _count(case, Quote) == 0 and _count(case, CustodyEntry) == before


def test_passages_by_word_range_and_from_a_docx(case: Case, indexed: dict[str, str]) -> None:
    plan, docx = _sha(indexed, "plan"), _sha(indexed, "docx")
    p = quote(case, plan, 2, words=(0, 3))
    assert p.text == "Se autoriza el uso" and len(p.boxes) == 4 and p.image_sha256
    with pytest.raises(CadenaError, match="occurs 1 time"):
        quote(case, docx, 1, text="dispare", occurrence=2)
    d = quote(case, docx, 1, text="dispare sin previo aviso")
    assert d.text == "Dispare sin previo aviso" and d.image_sha256 is None and d.boxes == []
    assert [q["quote"] for q in passages(case)] == [p.id, d.id]

"""Each page's text: text layer, OCR of a scan, office XML; damaged and encrypted PDFs reported."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pypdf
from PIL import Image
from sqlalchemy import select

from cadena.documents.batch import on_item_added, pending, read_items
from cadena.documents.models import DocumentStatus, PageText
from cadena.documents.office import PKG_REL, REL, SS, TEXT
from cadena.documents.pdf import garbage_reason
from cadena.documents.search import search
from cadena.documents.text import Extraction, extract_file
from cadena.intake.files import SourceFields, add_paths
from cadena.media import synth
from cadena.media.sniff import sniff
from cadena.vault.case import Case
from cadena.vault.models import Derivative
from cadena.vault.verify import verify


def _extract(path: Path):  # type: ignore[no-untyped-def]
    found = sniff(path)
    return extract_file(path, found.media_type, found.kind)


def test_born_digital_pdf_is_read_from_its_text_layer_with_word_boxes(docs_dir: Path) -> None:
    got = _extract(docs_dir / "plan.pdf")
    assert got.status == "ok" and [p.method for p in got.pages] == ["text-layer", "text-layer"]
    assert "armas de fuego" in got.pages[1].text and "obstáculos humanos" in got.pages[1].text
    assert got.pages[1].tool == "pypdf"
    words = got.pages[1].words
    assert words is not None and words["unit"] == "pt"
    hostiles = [w for w in words["words"] if w["text"].startswith("hostiles")]
    assert hostiles and got.pages[1].text[hostiles[0]["start"] : hostiles[0]["end"]] == "hostiles."
    x0, y0, x1, y1 = hostiles[0]["box"]
    assert 0 < x0 < x1 < words["width"] and 0 < y0 < y1 < 200  # near the top of the page


def test_scanned_pdf_is_read_by_ocr_in_spanish_with_word_boxes(
    extracted: dict[str, Extraction],
) -> None:
    got = extracted["scan"]
    assert got.status == "ok" and [p.method for p in got.pages] == ["ocr", "ocr"]
    second = got.pages[1]
    assert "terroristas" in second.text and "escuadrón" in second.text  # Spanish model: accents
    assert second.tool == "tesseract" and second.params["lang"] == "spa+eng"
    assert second.params["dpi"] == 300 and second.note == "no text layer"
    assert second.confidence is not None and second.confidence > 70
    assert second.words is not None
    word = next(w for w in second.words["words"] if w["text"] == "terroristas")
    assert second.text[word["start"] : word["end"]] == "terroristas"
    left, top, right, bottom = word["box"]
    assert right - left > 3 * (bottom - top) > 0


def test_docx_pages_follow_its_page_breaks(docs_dir: Path) -> None:
    got = _extract(docs_dir / "oficio.docx")
    assert got.status == "ok" and len(got.pages) == 2
    assert "Dispare sin previo aviso." in got.pages[0].text
    assert got.pages[1].text.startswith("Anexo")


def test_a_garbage_text_layer_is_told_from_a_real_one() -> None:
    assert garbage_reason("") == "no text layer"
    assert garbage_reason("Se autoriza el uso de armas de fuego.") is None
    assert garbage_reason("(cid:12)(cid:44)(cid:3) (cid:19)(cid:7)(cid:8)") is not None
    assert garbage_reason("\ufffd" * 8 + " " + "\ufffd" * 6) is not None
    assert garbage_reason("xkq zzv bcdf ghjk lmnp qrst vwxz bcdf") is not None


def test_items_are_read_stored_as_derivatives_and_indexed(
    case: Case, docs_dir: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "marcha.png"
    Image.linear_gradient("L").save(photo)
    add_paths(case, [docs_dir / "plan.pdf", docs_dir / "oficio.docx", photo], SourceFields())
    pages: list[tuple[int, int]] = []
    reports = read_items(case, images=False, on_page=lambda d, t, sha: pages.append((d, t)))
    assert sorted((r.status, r.pages) for r in reports) == [("ok", 2), ("ok", 2)]
    assert pages == [(1, 2), (2, 2)]  # the PDF's pages, as they were read
    assert [kind for _, _, kind in pending(case)] == ["image"]  # the photo waits for --images
    with case.session(write=False) as s:
        pages = list(s.execute(select(PageText).order_by(PageText.id)).scalars())
        assert len(pages) == 4
        d = s.execute(select(Derivative).where(Derivative.sha256 == pages[1].text_sha256)).scalar()
        assert (
            d is not None and d.kind == "page-text" and d.tool == "pypdf" and d.params["page"] == 2
        )
        blob = case.blobs.local_path(pages[1].text_sha256).read_text("utf-8")
        assert blob == pages[1].text
        words = json.loads(case.blobs.local_path(pages[1].words_sha256 or "").read_text("utf-8"))
        assert words["unit"] == "pt" and words["words"]
    assert read_items(case, images=False) == []  # nothing left to read
    # The file's own metadata (title) and its file name are searchable beside its pages.
    hits = search(case, '"plan de operaciones"').hits
    assert [(h.origin, h.page) for h in hits] == [("page", 1), ("metadata", 0)]
    assert [h.origin for h in search(case, "oficio.docx").hits] == ["metadata"]
    assert verify(case).clean


def test_damaged_and_encrypted_pdfs_are_preserved_and_reported(case: Case, tmp_path: Path) -> None:
    good = synth.pdf(tmp_path / "good.pdf", ["Orden de disparar"])
    broken = synth.truncated(good, tmp_path / "broken.pdf", 0.4)
    writer = pypdf.PdfWriter(clone_from=str(good))
    writer.encrypt("secreto")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as f:
        writer.write(f)
    summary = add_paths(case, [broken, locked], SourceFields())
    reports = {
        o.path.rsplit("/", 1)[-1]: on_item_added(case, o.sha256 or "") for o in summary.outcomes
    }
    assert reports["broken.pdf"] is not None and reports["broken.pdf"].status == "damaged"
    assert "preserved" in (reports["broken.pdf"].detail or "")
    assert reports["locked.pdf"] is not None and reports["locked.pdf"].status == "encrypted"
    assert "password" in (reports["locked.pdf"].detail or "")
    with case.session(write=False) as s:
        assert {d.status for d in s.execute(select(DocumentStatus)).scalars()} == {
            "damaged",
            "encrypted",
        }
    assert verify(case).clean  # the originals are kept, unchanged


def test_an_image_of_a_document_is_read_and_a_photo_is_not(
    tmp_path: Path, scanned_page: Image.Image
) -> None:
    page = tmp_path / "foto-del-oficio.jpg"
    scanned_page.convert("RGB").save(page, quality=85)
    got = _extract(page)
    assert got.status == "ok" and got.pages[0].method == "ocr" and got.pages[0].page == 1
    assert "terroristas" in got.pages[0].text
    street = tmp_path / "calle.png"
    gradient = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    gradient.save(street)
    assert _extract(street).status == "no_text"


def test_spreadsheets_odt_and_plain_text_are_read_page_by_page(tmp_path: Path) -> None:
    xlsx = tmp_path / "bajas.xlsx"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{SS[1:-1]}" xmlns:r="{REL[1:-1]}"><sheets>'
            '<sheet name="Heridos" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_REL[1:-1]}"><Relationship '
            'Id="rId1" Target="worksheets/sheet1.xml" Type="x"/></Relationships>',
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{SS[1:-1]}"><si><t>Nombre</t></si><si><t>Impacto de bala</t></si></sst>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{SS[1:-1]}"><sheetData>'
            '<row><c t="s"><v>0</v></c><c><v>17</v></c></row>'
            '<row><c t="s"><v>1</v></c><c t="inlineStr"><is><t>Calle 5</t></is></c></row>'
            "</sheetData></worksheet>",
        )
    got = _extract(xlsx)
    assert (
        got.status == "ok" and got.pages[0].text == "Heridos\nNombre\t17\nImpacto de bala\tCalle 5"
    )
    odt = tmp_path / "acta.odt"
    with zipfile.ZipFile(odt, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            f'<office:document-content xmlns:office="urn:oasis:names:tc:'
            f'opendocument:xmlns:office:1.0" xmlns:text="{TEXT[1:-1]}"><office:body>'
            "<office:text><text:h>Acta de reunión</text:h><text:p>Se ordenó<text:s/>"
            "disparar.</text:p></office:text></office:body></office:document-content>",
        )
    found = sniff(odt)
    assert extract_file(odt, found.media_type, found.kind).pages[0].text == (
        "Acta de reunión\nSe ordenó disparar."
    )
    plain = tmp_path / "radio.txt"
    plain.write_bytes("Canal 2: abran fuego ya\fCanal 3: negativo, señor".encode("cp1252"))
    got = _extract(plain)
    assert [p.text for p in got.pages] == ["Canal 2: abran fuego ya", "Canal 3: negativo, señor"]
    assert got.pages[0].params["encoding"] == "cp1252"


def test_a_garbage_text_layer_is_replaced_by_ocr(tmp_path: Path) -> None:
    garbled = synth.pdf(
        tmp_path / "garbled.pdf", ["(cid:71)(cid:72)(cid:3)(cid:83)(cid:79)(cid:68)"]
    )
    got = _extract(garbled)
    assert got.pages[0].method == "ocr" and got.pages[0].tool == "tesseract"
    assert got.pages[0].note == "text layer holds unmapped glyphs"
    assert got.pages[0].params["reason"] == got.pages[0].note
    assert "cid" in got.pages[0].text  # what is printed on the page, read from its image


def test_a_page_scanned_sideways_is_turned_upright_before_it_is_read(
    tmp_path: Path, scanned_page: Image.Image
) -> None:
    sideways = tmp_path / "de-lado.png"
    scanned_page.rotate(90, expand=True).save(sideways)  # a quarter turn anticlockwise
    got = _extract(sideways)
    assert got.status == "ok" and "terroristas" in got.pages[0].text
    assert got.pages[0].params["turned"] == 90 and "turned 90°" in (got.pages[0].note or "")
    words = got.pages[0].words or {}
    assert words["turned"] == 90 and words["width"] > words["height"]  # boxes in the upright frame

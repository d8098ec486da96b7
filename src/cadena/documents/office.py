"""Text of office documents, read from their XML inside the zip (defusedxml: no entity tricks).

A DOCX's pages are the ones Word last rendered (its page-break markers) when present; an ODT or a
DOCX without markers has no pages in the file, so its text is cut into sections of about
`plain.PAGE_WORDS` words, at paragraph ends. Each XLSX sheet is a page: rows as lines, cells
by tabs.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from cadena.documents.plain import paginate

MAX_MEMBER = 200 * 1024 * 1024  # refuse to inflate a member larger than this (zip bombs)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
SS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class OfficeUnreadable(Exception):
    pass


def _xml(z: zipfile.ZipFile, name: str) -> Element:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise OfficeUnreadable(f"{name} is missing from the file") from None
    if info.file_size > MAX_MEMBER:
        raise OfficeUnreadable(f"{name} would inflate to {info.file_size} bytes; not read")
    root: Element = ElementTree.fromstring(z.read(name))
    return root


def pages(path: Path, media_type: str) -> list[str]:
    """The text of each page of a DOCX, ODT or XLSX file."""
    try:
        with zipfile.ZipFile(path) as z:
            if "wordprocessingml" in media_type:
                return _docx(z)
            if "spreadsheetml" in media_type:
                return _xlsx(z)
            return _odt(z)
    except OfficeUnreadable:
        raise
    except Exception as exc:  # bad zip, bad XML, forbidden entities
        raise OfficeUnreadable(f"{type(exc).__name__}: {str(exc)[:200]}") from None


def _docx(z: zipfile.ZipFile) -> list[str]:
    body = _xml(z, "word/document.xml")
    found: list[list[str]] = [[]]
    marked = False
    for p in body.iter(f"{W}p"):
        line: list[str] = []
        for el in p.iter():
            tag = el.tag
            if tag == f"{W}t" and el.text:
                line.append(el.text)
            elif tag == f"{W}tab":
                line.append("\t")
            elif tag in (f"{W}br", f"{W}cr"):
                if el.get(f"{W}type") == "page":
                    found[-1].append("".join(line))
                    line = []
                    found.append([])
                    marked = True
                else:
                    line.append("\n")
            elif tag == f"{W}lastRenderedPageBreak" and (line or found[-1]):
                found[-1].append("".join(line))
                line = []
                found.append([])
                marked = True
        found[-1].append("".join(line))
    texts = ["\n".join(lines) for lines in found]
    return texts if marked else paginate("\n".join(texts))


def _odt(z: zipfile.ZipFile) -> list[str]:
    body = _xml(z, "content.xml")
    lines = []
    for el in body.iter():
        if el.tag in (f"{TEXT}p", f"{TEXT}h"):
            lines.append(_odt_text(el))
    return paginate("\n".join(lines))


def _odt_text(el: Element) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tag == f"{TEXT}s":
            parts.append(" " * int(child.get(f"{TEXT}c", "1")))
        elif child.tag == f"{TEXT}tab":
            parts.append("\t")
        elif child.tag == f"{TEXT}line-break":
            parts.append("\n")
        elif child.tag not in (f"{TEXT}p", f"{TEXT}h", f"{TEXT}note"):
            parts.append(_odt_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _xlsx(z: zipfile.ZipFile) -> list[str]:
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in _xml(z, "xl/sharedStrings.xml").iter(f"{SS}si"):
            shared.append("".join(t.text or "" for t in si.iter(f"{SS}t")))
    rels = {
        r.get("Id"): r.get("Target", "")
        for r in _xml(z, "xl/_rels/workbook.xml.rels").iter(f"{PKG_REL}Relationship")
    }
    texts = []
    for sheet in _xml(z, "xl/workbook.xml").iter(f"{SS}sheet"):
        target = rels.get(sheet.get(f"{REL}id"), "")
        name = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        rows = [sheet.get("name", "")]
        for row in _xml(z, posixpath.normpath(name)).iter(f"{SS}row"):
            rows.append("\t".join(_cell(c, shared) for c in row.iter(f"{SS}c")))
        texts.append("\n".join(rows))
    return texts


def _cell(c: Element, shared: list[str]) -> str:
    kind = c.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in c.iter(f"{SS}t"))
    v = c.find(f"{SS}v")
    value = v.text if v is not None and v.text else ""
    if kind == "s" and value.isdigit() and int(value) < len(shared):
        return shared[int(value)]
    return value

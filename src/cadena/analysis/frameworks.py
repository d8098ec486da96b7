"""Legal frameworks as data: each YAML file in `frameworks/` (and in any folder the user adds)
declares a framework's elements and the indicators that speak for and against each.

    id: co-ley-1952            # unique; a country's law gets its own id
    version: "1.0"             # reported with every result that used it
    title: {en: ..., es: ...}
    source: "the text the elements come from"
    applies_to:
      forces: [police, army]   # the force of the unit the superior commanded
      assumption: {police: "why it is applied to the police, when that is itself an assumption"}
    elements:
      - id: knowledge
        title: {en: ..., es: ...}
        indicators: [actual_notice_before, ...]   # any hit supports the element
        against: [restricting_instruction]        # any hit speaks against it
        context: [scale_repetition_duration]      # shown, never decides
        request: {en: "...{person}...{date}...", es: ...}   # the gap, when nothing supports it

Indicator ids are those of indicators.yaml; an unknown id refuses the file, saying which.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cadena.analysis.findings import Text
from cadena.analysis.indicators import RULES
from cadena.errors import CadenaError

BUILTIN = Path(__file__).with_name("frameworks")
ENV = "CADENA_FRAMEWORKS"  # more folders of framework files, separated like PATH


@dataclass(frozen=True)
class Element:
    id: str
    title: Text
    indicators: tuple[str, ...]
    against: tuple[str, ...]
    context: tuple[str, ...]
    request: Text


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    title: Text
    source: str
    forces: frozenset[str]
    assumption: dict[str, str]
    elements: tuple[Element, ...]
    sha256: str
    path: str

    def reading(self) -> dict[str, str]:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


def _text(value: Any, where: str) -> Text:
    if isinstance(value, str):
        return Text(value.strip(), value.strip())
    if not isinstance(value, dict) or "en" not in value:
        raise CadenaError(f"{where}: give the text as {{en: ..., es: ...}}.")
    return Text(str(value["en"]).strip(), str(value.get("es", value["en"])).strip())


_PARSED: dict[tuple[str, str], Framework] = {}


def load_file(path: Path) -> Framework:
    """A framework file, parsed once per content (a dossier asks for them once per superior)."""
    raw = path.read_bytes()
    key = (str(path), hashlib.sha256(raw).hexdigest())
    if key not in _PARSED:
        _PARSED[key] = _parse(path, raw)
    return _PARSED[key]


def _parse(path: Path, raw: bytes) -> Framework:
    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise CadenaError(f"{path}: not valid YAML ({exc}).") from None
    if not isinstance(doc, dict):
        raise CadenaError(f"{path}: a framework file is a mapping with id, version and elements.")
    for key in ("id", "version", "elements"):
        if key not in doc:
            raise CadenaError(f"{path}: missing {key!r}.")
    elements = []
    for i, el in enumerate(doc["elements"] or [], start=1):
        where = f"{path}, element {i}"
        if not isinstance(el, dict) or "id" not in el:
            raise CadenaError(f"{where}: each element needs an id.")
        ids = {k: tuple(el.get(k) or ()) for k in ("indicators", "against", "context")}
        unknown = [x for v in ids.values() for x in v if x not in RULES]
        if unknown:
            raise CadenaError(
                f"{where} ({el['id']}): unknown indicator(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(RULES))}."
            )
        elements.append(
            Element(
                str(el["id"]),
                _text(el.get("title", el["id"]), where),
                ids["indicators"],
                ids["against"],
                ids["context"],
                _text(el.get("request", "no evidence on record for this element"), where),
            )
        )
    applies = doc.get("applies_to") or {}
    return Framework(
        id=str(doc["id"]),
        version=str(doc["version"]),
        title=_text(doc.get("title", doc["id"]), str(path)),
        source=str(doc.get("source", "")),
        forces=frozenset(applies.get("forces") or ()),
        assumption={
            str(k): " ".join(str(v).split()) for k, v in (applies.get("assumption") or {}).items()
        },
        elements=tuple(elements),
        sha256=hashlib.sha256(raw).hexdigest(),
        path=str(path),
    )


def load_frameworks(extra: Iterable[Path] = ()) -> list[Framework]:
    """The shipped frameworks, then those in `extra` folders and in $CADENA_FRAMEWORKS."""
    folders = [BUILTIN, *extra]
    folders += [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    found: dict[str, Framework] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json")):
            fw = load_file(path)
            if fw.id in found and found[fw.id].path != fw.path:
                raise CadenaError(
                    f"Two framework files have the id {fw.id!r}: {found[fw.id].path} and {path}; "
                    "give the new one its own id."
                )
            found[fw.id] = fw
    return list(found.values())

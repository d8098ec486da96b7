"""The `Finding`: one statement an analysis derives, and what it rests on.

An analysis is never stored as a fact: it is recomputed on demand from the facts, and its result
(`Analysis`) says which facts it read (their ids and a hash of their rows) and which framework
versions defined it, so the same facts give the same findings and a changed record shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cadena.facts.citations import Cite

CONFIDENCE_ORDER = {"low": 0, "medium": 1, "high": 2}
LANGS = ("en", "es")
FINDINGS_FORMAT = "1"  # the version of the JSON keys below; bump when a key changes meaning


# Spanish words for the kinds of facts that appear inside statements.
KIND_ES = {
    "promotion": "ascenso", "decoration": "condecoración", "appointment": "nombramiento",
    "dismissal": "destitución", "transfer": "traslado", "praise": "elogio",
    "justification": "justificación", "denial": "negación", "vilification": "estigmatización",
    "condemnation": "condena", "disciplinary_opened": "apertura de expediente",
    "disciplinary_archived": "archivo de expediente", "disciplinary_sanctioned": "sanción",
    "criminal_referral": "remisión a la fiscalía", "casualty_report": "parte de víctimas",
    "report": "informe", "warning": "advertencia", "ceasefire_call": "llamado a cesar el fuego",
    "instruction": "instrucción",
}  # fmt: skip


def es_kind(kind: str) -> str:
    return KIND_ES.get(kind, kind.replace("_", " "))


def weakest(confidences: Iterable[str]) -> str:
    """A conclusion is only as strong as the weakest fact it rests on."""
    values = [c for c in confidences if c in CONFIDENCE_ORDER]
    if not values:
        return "low"
    return min(values, key=lambda c: CONFIDENCE_ORDER[c])


@dataclass(frozen=True)
class Text:
    """A statement in English and Spanish."""

    en: str
    es: str

    def get(self, lang: str) -> str:
        return self.es if lang == "es" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "es": self.es}


@dataclass(frozen=True)
class Ground:
    """A fact a finding rests on, with its confidence and its citations."""

    fact_id: int
    kind: str
    confidence: str
    citations: tuple[Cite, ...] = ()
    assumption: str | None = None  # the fact's own named assumption, when it is uncited

    def as_dict(self) -> dict[str, Any]:
        return {
            "fact": self.fact_id,
            "kind": self.kind,
            "confidence": self.confidence,
            "assumption": self.assumption,
            "citations": [
                {"item": c.item, "locator": c.locator, "quote": c.quote} for c in self.citations
            ],
        }


@dataclass(frozen=True)
class Finding:
    """One derived statement. `kind` is one of: attribution, commander, link, plan_chief,
    no_commander, notice, first_notice, element, indicator, pattern, gap."""

    kind: str
    statement: Text
    rests_on: tuple[Ground, ...] = ()
    assumptions: tuple[str, ...] = ()
    confidence: str = "low"
    framework: str | None = None
    framework_version: str | None = None
    status: str | None = None  # elements: supported | contested | no_evidence
    data: dict[str, Any] = field(default_factory=dict)  # kind-specific keys, documented

    @property
    def facts(self) -> list[int]:
        return sorted({r.fact_id for r in self.rests_on})

    @property
    def citations(self) -> list[tuple[int, Cite]]:
        return [(r.fact_id, c) for r in self.rests_on for c in r.citations]

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.statement.get(lang),
            "statement": self.statement.as_dict(),
            "status": self.status,
            "confidence": self.confidence,
            "facts": self.facts,
            "citations": [
                {"fact": fid, "item": c.item, "locator": c.locator, "quote": c.quote}
                for fid, c in self.citations
            ],
            "assumptions": list(self.assumptions),
            "framework": self.framework,
            "framework_version": self.framework_version,
            "data": self.data,
        }


# A moment given as a span ("2024-01-10T16:00 to 2024-01-10T20:00") reads "… a …" in Spanish.
_SPAN_TO = re.compile(r"(\d{4}(?:-\d{2}){0,2}(?:T[\d:]+)?) to (\d{4})")


def finding(
    kind: str,
    en: str,
    es: str,
    rests_on: Iterable[Ground],
    *,
    assumptions: Iterable[str] = (),
    confidence: str | None = None,
    **extra: Any,
) -> Finding:
    """A finding whose confidence is the weakest of what it rests on (unless given)."""
    seen: dict[int, Ground] = {}
    for g in rests_on:  # one ground per fact, first kept
        seen.setdefault(g.fact_id, g)
    supports = tuple(seen.values())
    named = [s.assumption for s in supports if s.assumption]
    return Finding(
        kind=kind,
        statement=Text(en, _SPAN_TO.sub(r"\1 a \2", es)),
        rests_on=supports,
        assumptions=tuple(dict.fromkeys([*assumptions, *named])),
        confidence=confidence or weakest(s.confidence for s in supports),
        **extra,
    )


@dataclass(frozen=True)
class Reading:
    """What an analysis read: the facts (ids and a SHA-256 of their rows) and the frameworks."""

    fact_ids: tuple[int, ...]
    facts_sha256: str
    frameworks: tuple[dict[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "fact_count": len(self.fact_ids),
            "facts": list(self.fact_ids),
            "facts_sha256": self.facts_sha256,
            "frameworks": list(self.frameworks),
        }


@dataclass(frozen=True)
class Analysis:
    """The result of one analysis: what it was asked, its findings, and what it read."""

    name: str  # chain, notice, elements, patterns, gaps
    subject: dict[str, Any]
    findings: tuple[Finding, ...]
    read: Reading
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "format": FINDINGS_FORMAT,
            "lang": lang,
            "analysis": self.name,
            "subject": self.subject,
            "summary": self.summary,
            "findings": [f.as_dict(lang) for f in self.findings],
            "read": self.read.as_dict(),
        }

    def of_kind(self, *kinds: str) -> list[Finding]:
        return [f for f in self.findings if f.kind in kinds]

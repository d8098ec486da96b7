"""The dossier's plain data model: what `build` gathers from the case and `render` writes.

Nothing here is language-specific but the findings' own `Text` (English and Spanish), so one
build renders in both languages. Nothing here is computed from facts beyond reading them: the
statements are the analysis's findings, carried as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cadena.analysis.findings import Finding, Reading


@dataclass(frozen=True)
class CiteRef:
    """One citation, numbered for the dossier: `#cite-N` in the citations list, pointing on to
    its item's row `#item-SHA256` in the evidence register."""

    n: int
    fact_id: int
    item: str
    locator: str
    quote: str | None

    @property
    def anchor(self) -> str:
        return f"cite-{self.n}"

    @property
    def item_anchor(self) -> str:
        return f"item-{self.item}"


@dataclass(frozen=True)
class FindingView:
    """A finding as the analysis returned it, with its citations numbered."""

    n: int
    finding: Finding
    cites: tuple[CiteRef, ...]

    @property
    def anchor(self) -> str:
        return f"finding-{self.n}"


@dataclass
class Block:
    """A group of findings under one heading (a person's notice, an incident's elements...)."""

    section: str  # chain, notice, elements, patterns, gaps
    heading: str  # a name or title from the facts (not translated: it is a proper name)
    subject: dict[str, Any]
    findings: list[FindingView]
    read: Reading | None = None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitNode:
    unit_id: int
    name: str
    attributed: bool
    commanders: tuple[tuple[int, str], ...]  # (person id, name), from the chain's findings
    superiors_marked: bool  # its commanders then are superiors of the attributed unit


@dataclass(frozen=True)
class UnitEdge:
    child: int
    parent: int
    line: str
    finding: int  # the number of the link finding it draws


@dataclass
class IncidentView:
    fact_id: int
    key: str | None
    title: str
    kind: str
    when: str | None
    place: str | None
    lat: float | None
    lon: float | None
    uncertainty_m: float | None
    killed: int | None
    injured: int | None
    detained: int | None
    description: str | None
    confidence: str
    cites: list[CiteRef]
    units: list[UnitNode] = field(default_factory=list)  # the org chart at its moment
    edges: list[UnitEdge] = field(default_factory=list)
    chain: Block | None = None

    @property
    def anchor(self) -> str:
        return f"incident-{self.fact_id}"


@dataclass(frozen=True)
class DeploymentView:
    fact_id: int
    unit: str
    place: str
    lat: float | None
    lon: float | None
    uncertainty_m: float | None
    area: dict[str, Any] | None
    operation: str | None
    when: str | None


@dataclass(frozen=True)
class Event:
    """One mark on the timeline: an incident, an order (a bar over its span), a report, meeting,
    warning or statement, or a measure."""

    lane: str  # incident | order | notice | measure
    kind: str  # the fact's own kind word (killing, plan, renewal, casualty_report, promotion...)
    fact_id: int
    label: str
    start: datetime
    end: datetime | None = None  # orders: the end of their span; None when open
    open_ended: bool = False
    renews: int | None = None  # orders: the order this one renews or amends
    weight: int = 0  # incidents: people killed and injured


@dataclass(frozen=True)
class RegisterRow:
    sha256: str
    kind: str
    media_type: str
    size: int
    added_at: str
    sources: tuple[dict[str, Any], ...]
    status: str
    cited_by: tuple[int, ...]  # citation numbers

    @property
    def anchor(self) -> str:
        return f"item-{self.sha256}"


@dataclass
class Dossier:
    case_name: str
    generated_at: str
    cadena_version: str
    incidents: list[IncidentView]
    deployments: list[DeploymentView]
    events: list[Event]
    register: list[RegisterRow]
    citations: list[CiteRef]
    blocks: dict[str, list[Block]]  # section -> blocks (chain is on each incident too)
    integrity: dict[str, Any]
    facts_sha256: str | None
    frameworks: list[dict[str, str]]
    fact_count: int
    refused: list[str] = field(default_factory=list)  # analyses that said what they lack

    def findings(self) -> list[FindingView]:
        return [f for blocks in self.blocks.values() for b in blocks for f in b.findings]

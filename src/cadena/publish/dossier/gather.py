"""Run the case's analyses through their own public functions and keep what they return.

The dossier only renders `Analysis` results; this module decides which analyses to ask for (the
chain of every incident, then notice and elements for every superior those chains name, then the
case-wide patterns and gaps) and records, by name, any analysis this installation lacks.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.analysis.findings import Analysis
from cadena.errors import CadenaError
from cadena.facts import models as m

SECTIONS = ("chain", "notice", "elements", "patterns", "gaps")


@dataclass
class Ran:
    analyses: list[tuple[str, str, Analysis]] = field(default_factory=list)  # section, heading
    unit_names: dict[int, str] = field(default_factory=dict)  # units and persons, by fact id
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # an analysis that said what data it lacks


def _function(module: str, name: str) -> Callable[..., Analysis] | None:
    try:
        mod = importlib.import_module(f"cadena.analysis.{module}")
    except ImportError:
        return None
    fn = getattr(mod, name, None)
    return fn if callable(fn) else None


def _names(s: Session) -> dict[int, str]:
    out: dict[int, str] = {}
    for cls in (m.Unit, m.Person):
        for fid, name in s.execute(select(cls.id, cls.name)):
            out[int(fid)] = str(name)
    return out


def run(s: Session, incident_ids: list[int]) -> Ran:
    ran = Ran(unit_names=_names(s))
    chain = _function("chain", "analyze_chain")
    superiors: dict[int, str] = {}
    if chain is None:
        ran.missing.append("chain")
    for iid in incident_ids:
        if chain is None:
            break
        result = _try(ran, chain, s, iid)
        if result is None:
            continue
        ran.analyses.append(("chain", str(result.subject.get("title", iid)), result))
        for sup in result.summary.get("superiors", []):
            superiors.setdefault(int(sup["person"]), str(sup["name"]))
    _per_person(s, ran, "notice", "analyze_notice", superiors)
    _per_person(s, ran, "elements", "analyze_elements", superiors)
    for section in ("patterns", "gaps"):
        fn = _function(section, f"analyze_{section}")
        if fn is None:
            ran.missing.append(section)
            continue
        result = _try(ran, fn, s)
        if result is not None:
            ran.analyses.append((section, "", result))
    return ran


def _per_person(s: Session, ran: Ran, section: str, fn_name: str, people: dict[int, str]) -> None:
    fn = _function(section, fn_name)
    if fn is None:
        ran.missing.append(section)
        return
    for pid, name in sorted(people.items(), key=lambda p: p[1]):
        result = _try(ran, fn, s, pid)
        if result is not None:
            ran.analyses.append((section, name, result))


def _try(ran: Ran, fn: Callable[..., Analysis], *args: Any) -> Analysis | None:
    """An analysis that refuses (a fact it needs is missing) leaves its reason, not a hole."""
    try:
        return fn(*args)
    except CadenaError as exc:
        ran.refused.append(str(exc))
        return None

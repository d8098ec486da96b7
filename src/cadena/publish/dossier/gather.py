"""Run the case's analyses through their own public functions and keep what they return.

The dossier only renders `Analysis` results; this module decides which analyses to ask for (the
chain of every incident, then notice and elements for every superior those chains name, then the
case-wide patterns and gaps) and keeps the reason of any analysis that refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cadena.analysis.chain import analyze_chain
from cadena.analysis.elements import analyze_elements, matrix
from cadena.analysis.findings import Analysis
from cadena.analysis.gaps import analyze_gaps
from cadena.analysis.notice import analyze_notice
from cadena.analysis.patterns import analyze_patterns
from cadena.errors import CadenaError
from cadena.facts import models as m


@dataclass
class Ran:
    analyses: list[tuple[str, str, Analysis]] = field(default_factory=list)  # section, heading
    unit_names: dict[int, str] = field(default_factory=dict)  # units and persons, by fact id
    refused: list[str] = field(default_factory=list)  # an analysis that said what data it lacks


def _names(s: Session) -> dict[int, str]:
    out: dict[int, str] = {}
    for cls in (m.Unit, m.Person):
        for fid, name in s.execute(select(cls.id, cls.name)):
            out[int(fid)] = str(name)
    return out


def run(s: Session, incident_ids: list[int]) -> Ran:
    ran = Ran(unit_names=_names(s))
    superiors: dict[int, str] = {}
    for iid in incident_ids:
        result = _try(ran, analyze_chain, s, iid)
        if result is None:
            continue
        ran.analyses.append(("chain", str(result.subject.get("title", iid)), result))
        for sup in result.summary.get("superiors", []):
            superiors.setdefault(int(sup["person"]), str(sup["name"]))
    # One snapshot and one set of chains for every superior: each would otherwise rebuild
    # the chain of every incident of the case.
    mx = matrix(s)
    people = sorted(superiors.items(), key=lambda p: p[1])
    for section, fn in (("notice", analyze_notice), ("elements", analyze_elements)):
        for pid, name in people:
            result = _try(ran, fn, s, pid, mx=mx)
            if result is not None:
                ran.analyses.append((section, name, result))
    for section, case_wide in (("patterns", analyze_patterns), ("gaps", analyze_gaps)):
        result = _try(ran, case_wide, s)
        if result is not None:
            ran.analyses.append((section, "", result))
    return ran


def _try(ran: Ran, fn: Callable[..., Analysis], *args: Any, **kwargs: Any) -> Analysis | None:
    """An analysis that refuses (a fact it needs is missing) leaves its reason, not a hole."""
    try:
        return fn(*args, **kwargs)
    except CadenaError as exc:
        ran.refused.append(str(exc))
        return None

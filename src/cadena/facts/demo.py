"""The demo's force structure (a fictional country, Valdoria), loaded from its sheet folder."""

from __future__ import annotations

from pathlib import Path

from cadena.facts.sheet import ImportReport, import_sheet
from cadena.vault.case import Case

DEMO_FORCE = Path(__file__).with_name("demo_force")


def load_demo_force(case: Case) -> ImportReport:
    """Import the Valdoria police and army (with a change of command of Escuadrón UMO 2 on
    2024-02-01, a temporary joint command, two plans and an ombudsperson's warning)."""
    return import_sheet(case, DEMO_FORCE)

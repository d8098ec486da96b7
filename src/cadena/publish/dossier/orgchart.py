"""The org chart at the moment of an incident, drawn by Graphviz (`dot -Tsvg`) from the chain
analysis's findings: the attributed units in red, every unit above them with its commanders then,
superiors in bold; administrative links solid, operational ones dashed; each link clickable to
the finding that states it.
"""

from __future__ import annotations

import shutil
import subprocess
from html import escape

from cadena.errors import CadenaError
from cadena.publish.dossier.i18n import translator, word
from cadena.publish.dossier.model import IncidentView
from cadena.publish.dossier.svg import clean

FONT = "DejaVu Sans"


def dot_source(inc: IncidentView, lang: str) -> str:
    """The DOT text of an incident's chain; ids are prefixed by the incident so several charts
    can share one HTML page."""
    t = translator(lang)
    g = f"oc{inc.fact_id}"
    lines = [
        f'digraph "{g}" {{',
        f'  id="{g}"; rankdir=BT; nodesep=0.25; ranksep=0.35; bgcolor="transparent";',
        f'  node [shape=box, style="rounded,filled", fontname="{FONT}", fontsize=9, '
        'fillcolor="#ffffff", color="#566573", margin="0.12,0.05"];',
        f'  edge [fontname="{FONT}", fontsize=7, color="#566573", arrowsize=0.6];',
    ]
    for u in inc.units:
        rows = [f"<B>{escape(u.name)}</B>"]
        for _, person in u.commanders:
            rows.append(f"<B>{escape(person)}</B>" if u.superiors_marked else escape(person))
        if not u.commanders:
            rows.append(f'<FONT COLOR="#7f8c8d"><I>{escape(t("org.no_commander"))}</I></FONT>')
        if u.attributed:
            rows.append(f'<FONT COLOR="#c0392b">{escape(t("org.attributed"))}</FONT>')
        style = (
            'fillcolor="#fdedec", color="#c0392b", penwidth=2'
            if u.attributed
            else ('penwidth=1.6, color="#1b2631"' if u.superiors_marked else "")
        )
        label = "<BR/>".join(rows)
        extra = f", {style}" if style else ""
        lines.append(f'  u{u.unit_id} [id="{g}-u{u.unit_id}", label=<{label}>{extra}];')
    for n, e in enumerate(inc.edges):
        dashed = ", style=dashed" if e.line != "administrative" else ""
        label = escape(word(lang, "line", e.line))
        lines.append(
            f'  u{e.child} -> u{e.parent} [id="{g}-e{n}", href="#finding-{e.finding}", '
            f'tooltip="{label}", label="{label if e.line != "administrative" else ""}"{dashed}];'
        )
    lines.append("}")
    return "\n".join(lines)


def orgchart_svg(inc: IncidentView, lang: str) -> str | None:
    """The chart as inline SVG, or None when the incident has no chain to draw."""
    if not inc.units:
        return None
    dot = shutil.which("dot")
    if dot is None:
        raise CadenaError(
            "Graphviz is not installed, so the org charts cannot be drawn: install it "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)."
        )
    done = subprocess.run(
        [dot, "-Tsvg"], input=dot_source(inc, lang), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise CadenaError(f"Graphviz could not draw the chart of {inc.title!r}: {done.stderr}")
    return clean(done.stdout)

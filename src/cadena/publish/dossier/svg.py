"""Matplotlib figures as inline SVG that can sit several to a page.

Matplotlib names the SVG's internal ids (clip paths, glyphs) from a hash; two figures in one
HTML page could share an id and clip each other, so every figure gets its own salt. Text stays
text (`svg.fonttype: none`) so it is searchable, selectable and in the document's language.
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: the dossier is written headless

import matplotlib.pyplot as plt  # noqa: E402

STYLE: Any = {
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def figure_svg(fig: Any, salt: str) -> str:
    """The figure as an `<svg>` element (no XML prologue), its ids unique to `salt`."""
    with plt.rc_context({**STYLE, "svg.hashsalt": salt}):
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    return prefix_ids(clean(buf.getvalue()), salt)


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r"#([A-Za-z_][\w.\-]*)")


def prefix_ids(svg: str, prefix: str) -> str:
    """Matplotlib numbers its elements per figure (`axes_1`, `line2d_3`): prefix every id, and
    every reference to one, so figures sharing a page keep their ids apart."""
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"#{prefix}-{m.group(1)}" if m.group(1) in ids else m.group(0), svg)


def clean(svg: str) -> str:
    """Drop the XML declaration, DOCTYPE and comments, so the SVG can be inlined in HTML."""
    return _COMMENT.sub("", _PROLOGUE.sub("", svg, count=1)).strip()


def new_figure(width_in: float, height_in: float) -> Any:
    with plt.rc_context(STYLE):
        return plt.figure(figsize=(width_in, height_in))

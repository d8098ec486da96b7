"""The timeline: incidents, orders and plans over the time they were in force (renewals linked to
what they renew), reports, meetings, warnings and statements, and measures, as one SVG.

Dates are written as ISO 8601 so the chart reads the same in every language.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from cadena.publish.dossier import svg
from cadena.publish.dossier.i18n import kind_word, translator
from cadena.publish.dossier.model import Event

COLOURS = {"incident": "#c0392b", "order": "#34495e", "notice": "#d68910", "measure": "#7d3c98"}
MARKERS = {"communication": "o", "meeting": "s", "statement": "D", "measure": "^"}
MEETING_KINDS = {"meeting"}
STATEMENT_KINDS = {"praise", "justification", "vilification", "condemnation", "denial"}


def _marker(e: Event) -> str:
    if e.lane == "measure":
        return MARKERS["measure"]
    if e.kind in MEETING_KINDS:
        return MARKERS["meeting"]
    if e.kind in STATEMENT_KINDS:
        return MARKERS["statement"]
    return MARKERS["communication"]


def _extent(events: list[Event]) -> tuple[datetime, datetime]:
    times = [e.start for e in events] + [e.end for e in events if e.end]
    lo, hi = min(times), max(times)
    pad = max((hi - lo) * 0.04, timedelta(days=1))
    return lo - pad, hi + pad


def timeline_svg(events: list[Event], incident_numbers: dict[int, int], lang: str) -> str | None:
    """The timeline as inline SVG, or None when nothing on record has a date."""
    if not events:
        return None
    t = translator(lang)
    orders = [e for e in events if e.lane == "order"]
    rows = ["measure", "notice", *[f"order:{o.fact_id}" for o in reversed(orders)], "incident"]
    y = {r: i for i, r in enumerate(rows)}
    lo, hi = _extent(events)
    fig = svg.new_figure(7.2, 1.2 + 0.32 * len(rows))
    ax = fig.add_subplot(1, 1, 1)
    _draw_orders(ax, orders, y, hi, lang)
    _draw_points(ax, events, y, incident_numbers, lang)
    ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi))
    ax.set_ylim(-0.8, len(rows) - 0.2)
    ticks: list[float] = [y["measure"], y["notice"], y["incident"]]
    labels = [t("lane.measure"), t("lane.notice"), t("lane.incident")]
    if orders:
        mid = sum(y[f"order:{o.fact_id}"] for o in orders) / len(orders)
        ticks.append(mid)
        labels.append(t("lane.order"))
    ax.set_yticks(ticks, labels)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)
    _legend(ax, events, lang)
    return svg.figure_svg(fig, "timeline")


def _draw_orders(
    ax: plt.Axes, orders: list[Event], y: dict[str, int], hi: datetime, lang: str
) -> None:
    t = translator(lang)
    for o in orders:
        row = y[f"order:{o.fact_id}"]
        end = o.end or (hi if o.open_ended else o.start + timedelta(days=1))
        renewal = o.renews is not None
        ax.barh(
            row,
            mdates.date2num(end) - mdates.date2num(o.start),
            left=mdates.date2num(o.start),
            height=0.5,
            color="#85929e" if renewal else COLOURS["order"],
            hatch="//" if o.open_ended else None,
            edgecolor="white" if o.open_ended else None,
            gid=f"tl-order-{o.fact_id}",
        )
        label = f"{kind_word(lang, o.kind)}: {_short(o.label)}"
        if o.open_ended:
            label += f" ({t('legend.open')})"
        ax.text(mdates.date2num(o.start), row + 0.33, label, fontsize=6.5, va="bottom")
        parent = y.get(f"order:{o.renews}") if o.renews else None
        if parent is not None:
            ax.annotate(
                "",
                xy=(mdates.date2num(o.start), row),
                xytext=(mdates.date2num(o.start), parent),
                arrowprops={"arrowstyle": "->", "color": "#555555", "linewidth": 0.8},
            )


def _short(text: str, n: int = 48) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _draw_points(
    ax: plt.Axes,
    events: list[Event],
    y: dict[str, int],
    incident_numbers: dict[int, int],
    lang: str,
) -> None:
    for e in events:
        if e.lane == "incident":
            size = 30 + 12 * min(e.weight, 20)
            x = mdates.date2num(e.start)
            ax.scatter(
                [x],
                [y["incident"]],
                s=size,
                color=COLOURS["incident"],
                zorder=3,
                gid=f"tl-incident-{e.fact_id}",
            )
            number = incident_numbers.get(e.fact_id)
            if number is not None:
                ax.text(
                    x,
                    y["incident"] + 0.3,
                    str(number),
                    ha="center",
                    fontsize=7,
                    fontweight="bold",
                    color=COLOURS["incident"],
                )
        elif e.lane in ("notice", "measure"):
            x = mdates.date2num(e.start)
            ax.scatter(
                [x],
                [y[e.lane]],
                marker=_marker(e),
                s=28,
                color=COLOURS[e.lane],
                zorder=3,
                gid=f"tl-{e.lane}-{e.fact_id}",
            )
            ax.text(
                x,
                y[e.lane] + 0.22,
                kind_word(lang, e.kind),
                rotation=35,
                fontsize=5.5,
                ha="left",
                va="bottom",
                color="#444444",
            )


def _legend(ax: plt.Axes, events: list[Event], lang: str) -> None:
    present = {_marker(e) for e in events if e.lane in ("notice", "measure")}
    names = {
        "o": kind_word(lang, "report"),
        "s": kind_word(lang, "meeting"),
        "D": translator(lang)("lane.notice").split(",")[-1].strip(),
        "^": translator(lang)("lane.measure"),
    }
    handles = [
        Line2D([], [], marker=mk, linestyle="", color="#555555", label=names[mk])
        for mk in ("o", "s", "D", "^")
        if mk in present
    ]
    if handles:
        ax.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=6.5,
            frameon=False,
        )

"""`gtm report`: the GTM brief as one self-contained HTML file.

Nine sections (channel economics, funnel, the three leaks, monthly efficiency, pipeline health, the outreach
action queue, attribution, ARR bridge and retention, the O2R panel), each with a one-sentence headline, one
inline SVG chart drawn here in Python and the table(s) behind it. The page needs nothing from the network: no
JavaScript, no web fonts, no external stylesheet. Data is read only through the read-only ``bi_reader`` role
(SELECT on the marts), never as the transformer.

    data = load(conn, "marts")           # every query, one per section (ReportError names a missing mart)
    page = render_html(data)             # pure: rows in, HTML out (every value escaped)
    write_report(out=None, target=None)  # both, as bi_reader, to reports/gtm_brief.html

Each section is ``<section id=... class="report-section" data-section=...>`` holding an ``h2``, a
``p.headline`` whose key figures are ``strong.figure[data-figure][data-value]``, one ``svg.chart`` whose
``data-points`` is the number of ``.mark`` shapes drawn, and tables with the rows behind the chart.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from gtm.settings import REPO_ROOT, load_settings

DEFAULT_OUT = REPO_ROOT / "reports" / "gtm_brief.html"
STATUS_MART = "rpt_warehouse_status"


class ReportError(RuntimeError):
    """The report cannot be written; the message says which mart or setting to fix."""


# ---------------------------------------------------------------------------------------------------------
# Colours: one per acquisition channel, attribution channel, health status and exposure group, everywhere.

CHANNEL_COLORS = {
    "Inbound": "#2563eb",
    "Outbound": "#ea580c",
    "Existing Customer": "#0d9488",
    "Unknown": "#94a3b8",
}
CHANNEL_ORDER = tuple(CHANNEL_COLORS)
# Attribution channels: Outbound keeps the Outbound colour; the marketing channels are shades of the inbound
# family; Unattributed is neutral.
ATTRIBUTION_COLORS = {
    "Website": "#1d4ed8",
    "Paid Search": "#3b82f6",
    "Paid Social": "#7c3aed",
    "Webinar": "#0891b2",
    "Event": "#14b8a6",
    "Email": "#a855f7",
    "Outbound": CHANNEL_COLORS["Outbound"],
    "Unattributed": "#cbd5e1",
}
EXTRA_COLORS = ("#64748b", "#0f766e", "#be185d", "#854d0e", "#4d7c0f")
HEALTH_COLORS = {
    "Fresh": "#16a34a",
    "Active": "#16a34a",
    "Maturing": "#f59e0b",
    "Aging": "#f97316",
    "Stalled": "#dc2626",
    "Stale": "#dc2626",
}
HEALTH_ORDER = ("Fresh", "Active", "Maturing", "Aging", "Stalled", "Stale")
LEAK_COLORS = {1: "#dc2626", 2: "#f59e0b", 3: "#7c3aed"}
OTHER_COLOR = "#cbd5e1"
EXPOSURE_COLORS = {"exposed": "#dc2626", "unexposed": "#64748b"}
REVENUE_COLOR = "#0f766e"
SUBSCRIPTION_COLOR = "#5eead4"
TOTAL_COLOR = "#334155"
GAIN_COLOR = "#16a34a"
LOSS_COLOR = "#dc2626"
STATUS_ORDER = ("ACTION REQUIRED", "RE-ENGAGE", "MONITOR", "EXPIRED", "DATA QUALITY")
DEMO_ORDER = ("Demo Held", "Demo Scheduled - Not Held", "No Demo Scheduled")
ATTRIBUTION_MODELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "u_shaped": "U-shaped",
    "w_shaped": "W-shaped",
    "time_decay": "Time decay",
}
LEAK_1_REASONS = ("No Demo Held",)
LEAK_2_REASONS = ("No Decision / Non-Responsive", "Lack of Urgency")
LEAK_3_STATUS = "Working"


def channel_color(name: str) -> str:
    return CHANNEL_COLORS.get(name) or _fallback_color(name)


def attribution_color(name: str) -> str:
    return ATTRIBUTION_COLORS.get(name) or _fallback_color(name)


def _fallback_color(name: str) -> str:
    return EXTRA_COLORS[sum(map(ord, str(name))) % len(EXTRA_COLORS)]


def channel_sort_key(name: str) -> tuple[int, str]:
    return (CHANNEL_ORDER.index(name) if name in CHANNEL_ORDER else len(CHANNEL_ORDER), str(name))


# ---------------------------------------------------------------------------------------------------------
# Formatting (plain strings; escaping happens when HTML is written).

DASH = "\u2013"  # en dash: no value
TIMES = "\u00d7"


def num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        result = float(value)
        return None if math.isnan(result) else result
    return None


def fmt_money(value: Any, compact: bool = False) -> str:
    v = num(value)
    if v is None:
        return DASH
    sign = "-" if v < 0 else ""
    a = abs(v)
    if compact and a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    if compact and a >= 1e4:
        return f"{sign}${a / 1e3:,.0f}K"
    return f"{sign}${a:,.0f}"


def fmt_count(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v:,.0f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    v = num(value)
    return DASH if v is None else f"{v * 100:.{digits}f}%"


def fmt_ratio(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v:.1f}x"


def fmt_points(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v * 100:+.1f} pts"


def fmt_signed_pct(value: Any) -> str:
    v = num(value)
    if v is None:
        return DASH
    return "0.0%" if abs(v) < 0.0005 else f"{v * 100:+.1f}%"


def fmt_decimal(value: Any, digits: int = 1) -> str:
    v = num(value)
    return DASH if v is None else f"{v:,.{digits}f}"


def fmt_month(value: date | None) -> str:
    return DASH if value is None else f"{value:%b %Y}"


def fmt_day(value: date | datetime | None) -> str:
    return DASH if value is None else f"{value:%-d %b %Y}"


def fmt_utc(value: datetime | None) -> str:
    """A timestamp in UTC (naive ones, like dbt's run_started_at, already are)."""
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M} UTC"


def fmt_tick_money(value: float) -> str:
    a = abs(value)
    sign = "-" if value < 0 else ""
    if a >= 1e6:
        return f"{sign}${a / 1e6:g}M"
    if a >= 1e3:
        return f"{sign}${a / 1e3:g}K"
    return f"{sign}${a:g}"


def fmt_tick_pct(value: float) -> str:
    return f"{value * 100:g}%"


def e(value: Any) -> str:
    """HTML-escape anything (mart values can hold markup or formula text)."""
    return html.escape("" if value is None else str(value), quote=True)


# ---------------------------------------------------------------------------------------------------------
# Inline SVG charts. Every data mark carries class="mark" and a <title> tooltip; the chart counts them.


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value < hi + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    if len(ticks) < 2:
        ticks.append(round(start + step, 10))
    return ticks


def _attrs(attrs: dict[str, Any]) -> str:
    out = []
    for key, value in attrs.items():
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:.1f}".rstrip("0").rstrip(".")
        out.append(f'{key.rstrip("_").replace("_", "-")}="{e(value)}"')
    return " ".join(out)


@dataclass(frozen=True)
class Seg:
    """One bar or bar segment: its series name, value, colour and tooltip/value label."""

    name: str
    value: float | None
    color: str
    label: str = ""


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: Sequence[float | None]
    dashed: bool = False
    alerts: frozenset[int] = frozenset()


class Chart:
    """An SVG drawn top to bottom: panels (bars, lines, waterfall) are appended at the current height."""

    def __init__(self, label: str, width: int = 880) -> None:
        self.label = label
        self.width = width
        self.parts: list[str] = []
        self.y = 0.0
        self.marks = 0

    # primitives
    def _mark(self, shape: str, title: str, **attrs: Any) -> None:
        self.marks += 1
        cls = attrs.pop("cls", "mark")
        self.parts.append(f'<{shape} class="{cls}" {_attrs(attrs)}><title>{e(title)}</title></{shape}>')

    def text(self, x: float, y: float, s: str, cls: str = "", anchor: str = "start", **attrs: Any) -> None:
        attrs = {"x": float(x), "y": float(y), "class": cls or None, "text-anchor": anchor, **attrs}
        self.parts.append(f"<text {_attrs(attrs)}>{e(s)}</text>")

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        self.parts.append(f"<line {_attrs({'x1': x1, 'y1': y1, 'x2': x2, 'y2': y2, 'class': cls})}/>")

    def gap(self, height: float) -> None:
        self.y += height

    def panel_title(self, title: str) -> None:
        self.text(0, self.y + 15, title, "panel-title")
        self.y += 26

    def legend(self, items: Iterable[tuple[str, str]]) -> None:
        x = 0.0
        y = self.y + 4
        for name, color in items:
            width = 22 + 7.2 * len(name) + 18
            if x + width > self.width and x > 0:
                x, y = 0.0, y + 20
            self.parts.append(
                f"<rect {_attrs({'x': x, 'y': y, 'width': 12.0, 'height': 12.0, 'rx': 2.0, 'fill': color})}/>"
            )
            self.text(x + 17, y + 10.5, name, "legend")
            x += width
        self.y = y + 24

    # bars
    def stacked_hbars(
        self,
        bars: Sequence[tuple[str, Sequence[Seg]]],
        total_label: Callable[[float], str],
        *,
        normalize: bool = False,
        label_width: int = 230,
        row_height: int = 28,
        emphasize: Iterable[str] = (),
        outline: str | None = None,
    ) -> None:
        """One horizontal bar per (label, segments); segments stack left to right. ``normalize`` draws each
        bar as 100% with the segment shares written inside. Labels in ``emphasize`` are bold, and their bars
        framed in ``outline`` when given."""
        emphasized = set(emphasize)
        x0 = label_width + 10
        right = 16 if normalize else 150
        plot_w = self.width - x0 - right
        totals = [sum(max(num(s.value) or 0, 0) for s in segs) for _, segs in bars]
        vmax = max(totals, default=0) or 1.0
        bar_h = row_height - 10
        for i, ((label, segs), total) in enumerate(zip(bars, totals, strict=True)):
            top = self.y + i * row_height
            cls = "bar-label strong" if label in emphasized else "bar-label"
            self.text(label_width, top + bar_h / 2 + 4.5, label, cls, "end")
            scale = plot_w / ((total or 1.0) if normalize else vmax)
            x = float(x0)
            for seg in segs:
                v = num(seg.value) or 0
                if v <= 0:
                    continue
                w = max(v * scale, 1.5)
                share = v / total if total else 0
                tip = f"{label} · {seg.name}: {seg.label or total_label(v)}" + (
                    f" ({fmt_pct(share)})" if normalize or len(segs) > 1 else ""
                )
                self._mark("rect", tip, x=x, y=top, width=w, height=float(bar_h), fill=seg.color)
                if normalize and w >= 40:
                    self.text(x + w / 2, top + bar_h / 2 + 4, fmt_pct(share, 0), "in-bar", "middle")
                x += w
            if outline and label in emphasized and x > x0:
                frame = {
                    "x": x0 - 3.0,
                    "y": top - 3.0,
                    "width": x - x0 + 6,
                    "height": bar_h + 6.0,
                    "rx": 3.0,
                    "fill": "none",
                    "stroke": outline,
                    "stroke-width": 2.0,
                }
                self.parts.append(f"<rect {_attrs(frame)}/>")
                x += 3
            if not normalize:
                self.text(x + 6, top + bar_h / 2 + 4.5, total_label(total), "value")
        self.y += len(bars) * row_height + 4

    def grouped_hbars(
        self, groups: Sequence[tuple[str, Sequence[Seg]]], *, label_width: int = 150, bar_height: int = 15
    ) -> None:
        """Per group label, one thin bar per series (Seg.label is written after the bar)."""
        x0 = label_width + 10
        plot_w = self.width - x0 - 190
        vmax = max((num(s.value) or 0 for _, segs in groups for s in segs), default=0) or 1.0
        for label, segs in groups:
            block = len(segs) * (bar_height + 3)
            self.text(label_width, self.y + block / 2 + 4, label, "bar-label strong", "end")
            for seg in segs:
                v = num(seg.value)
                if v is not None:
                    w = max(v / vmax * plot_w, 1.5)
                    tip = f"{label} · {seg.name}: {seg.label}"
                    self._mark(
                        "rect", tip, x=float(x0), y=self.y, width=w, height=float(bar_height), fill=seg.color
                    )
                    self.text(x0 + w + 6, self.y + bar_height - 3.5, seg.label, "value")
                self.y += bar_height + 3
            self.y += 12

    def grouped_vbars(
        self,
        categories: Sequence[str],
        series: Sequence[Series],
        value_label: Callable[[float], str],
        tick_label: Callable[[float], str],
        height: int = 230,
    ) -> None:
        left, right, top, bottom = 78.0, 20.0, 22.0, 30.0
        plot_w, plot_h = self.width - left - right, height - top - bottom
        values = [v for s in series for v in (num(x) for x in s.values) if v is not None]
        ticks = nice_ticks(min([0.0, *values]), max([0.0, *values]))
        lo, hi = ticks[0], ticks[-1]

        def y_of(v: float) -> float:
            return self.y + top + plot_h * (hi - v) / (hi - lo)

        for t in ticks:
            self.line(left, y_of(t), self.width - right, y_of(t), "grid")
            self.text(left - 8, y_of(t) + 4, tick_label(t), "tick", "end")
        group_w = plot_w / max(len(categories), 1)
        bar_w = min(56.0, group_w * 0.74 / max(len(series), 1))
        for ci, category in enumerate(categories):
            cx = left + group_w * (ci + 0.5)
            self.text(cx, self.y + height - 8, category, "axis-label", "middle")
            for si, s in enumerate(series):
                v = num(s.values[ci]) if ci < len(s.values) else None
                if v is None:
                    continue
                x = cx - bar_w * len(series) / 2 + si * bar_w + 2
                y1, y2 = y_of(max(v, 0.0)), y_of(min(v, 0.0))
                h = max(y2 - y1, 1.0)
                self._mark(
                    "rect",
                    f"{category} · {s.name}: {value_label(v)}",
                    x=x,
                    y=y1,
                    width=bar_w - 4,
                    height=h,
                    fill=s.color,
                )
                label_y = y1 - 5 if v >= 0 else y1 + h + 13
                self.text(x + (bar_w - 4) / 2, label_y, value_label(v), "value", "middle")
        self.line(left, y_of(0.0), self.width - right, y_of(0.0), "axis")
        self.y += height

    def lines(
        self,
        x_labels: Sequence[str],
        series: Sequence[Series],
        value_label: Callable[[float], str],
        tick_label: Callable[[float], str],
        height: int = 240,
        include_zero: bool = True,
        clip_outliers: bool = False,
    ) -> None:
        """Line per series with a dot per value. ``clip_outliers`` caps the scale at 3x the median so that a
        few extreme values (a ramp-up month) do not flatten the rest: those dots sit on the top edge, drawn
        as open rings with their value written next to them."""
        left, right, top, bottom = 78.0, 24.0, 18.0, 30.0
        plot_w, plot_h = self.width - left - right, height - top - bottom
        values = sorted(v for s in series for v in (num(x) for x in s.values) if v is not None)
        if not values:
            return
        ceiling = max(values)
        if clip_outliers and len(values) >= 6:
            median = values[len(values) // 2]
            if median > 0 and ceiling > 3 * median:
                ceiling = 3 * median
        lo = min([0.0, *values]) if include_zero else values[0]
        ticks = nice_ticks(lo, ceiling)
        lo, hi = ticks[0], ticks[-1]
        n = len(x_labels)

        def x_of(i: int) -> float:
            return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

        def y_of(v: float) -> float:
            return self.y + top + plot_h * (hi - min(v, hi)) / (hi - lo)

        for t in ticks:
            self.line(left, y_of(t), self.width - right, y_of(t), "grid")
            self.text(left - 8, y_of(t) + 4, tick_label(t), "tick", "end")
        every = max(1, math.ceil(n / 12))
        for i, label in enumerate(x_labels):
            if i % every == 0:
                self.text(x_of(i), self.y + height - 8, label, "axis-label", "middle")
        for s in series:
            path, pen_down = [], False
            for i, raw in enumerate(s.values):
                v = num(raw)
                if v is None:
                    pen_down = False
                    continue
                path.append(f"{'L' if pen_down else 'M'}{x_of(i):.1f} {y_of(v):.1f}")
                pen_down = True
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            self.parts.append(f'<path class="series" d="{" ".join(path)}" stroke="{e(s.color)}"{dash}/>')
        clipped_labels: list[str] = []
        for s in series:
            for i, raw in enumerate(s.values):
                v = num(raw)
                if v is None:
                    continue
                alert = i in s.alerts
                clipped = v > hi
                classes = "mark" + (" alert" if alert else "") + (" clipped" if clipped else "")
                self._mark(
                    "circle",
                    f"{x_labels[i]} · {s.name}: {value_label(v)}" + (" · efficiency alert" if alert else ""),
                    cls=classes,
                    cx=x_of(i),
                    cy=y_of(v),
                    r=5.0 if alert or clipped else 3.0,
                    fill="#ffffff" if clipped else s.color,
                    stroke=s.color if clipped else None,
                )
                if clipped:
                    clipped_labels.append(f"{s.name} {x_labels[i]} {value_label(v)}")
        self.y += height
        if clipped_labels:
            note = "Open rings are off the scale: " + ", ".join(clipped_labels)
            self.text(left, self.y + 10, note, "value")
            self.y += 18

    def waterfall(
        self, steps: Sequence[tuple[str, float, str]], value_label: Callable[[float], str], height: int = 260
    ) -> None:
        """Steps (label, value, 'total' | 'delta'): totals stand on zero, deltas float from the running
        sum."""
        left, right, top, bottom = 78.0, 20.0, 26.0, 30.0
        plot_w, plot_h = self.width - left - right, height - top - bottom
        spans, running = [], 0.0
        for label, value, kind in steps:
            if kind == "total":
                spans.append((label, value, kind, 0.0, value))
                running = value
            else:
                spans.append((label, value, kind, running, running + value))
                running += value
        edges = [x for *_, a, b in spans for x in (a, b)]
        ticks = nice_ticks(min([0.0, *edges]), max([0.0, *edges]))
        lo, hi = ticks[0], ticks[-1]

        def y_of(v: float) -> float:
            return self.y + top + plot_h * (hi - v) / (hi - lo)

        for t in ticks:
            self.line(left, y_of(t), self.width - right, y_of(t), "grid")
            self.text(left - 8, y_of(t) + 4, fmt_tick_money(t), "tick", "end")
        step_w = plot_w / max(len(spans), 1)
        bar_w = step_w * 0.62
        previous_end = None
        for i, (label, value, kind, a, b) in enumerate(spans):
            x = left + step_w * i + (step_w - bar_w) / 2
            y1, y2 = y_of(max(a, b)), y_of(min(a, b))
            color = TOTAL_COLOR if kind == "total" else GAIN_COLOR if value >= 0 else LOSS_COLOR
            shown = (
                value_label(value) if kind == "total" else ("+" if value >= 0 else "") + value_label(value)
            )
            self._mark(
                "rect", f"{label}: {shown}", x=x, y=y1, width=bar_w, height=max(y2 - y1, 1.0), fill=color
            )
            self.text(x + bar_w / 2, y1 - 6, shown, "value", "middle")
            self.text(x + bar_w / 2, self.y + height - 8, label, "axis-label", "middle")
            if previous_end is not None:
                self.line(previous_end[0], y_of(previous_end[1]), x, y_of(previous_end[1]), "connector")
            previous_end = (x + bar_w, b)
        self.line(left, y_of(0.0), self.width - right, y_of(0.0), "axis")
        self.y += height

    def svg(self) -> str:
        height = math.ceil(self.y + 4)
        return (
            f'<svg class="chart" data-points="{self.marks}" viewBox="0 0 {self.width} {height}" '
            f'role="img" aria-label="{e(self.label)}" preserveAspectRatio="xMinYMin meet">'
            f"<title>{e(self.label)}</title>{''.join(self.parts)}</svg>"
        )


# ---------------------------------------------------------------------------------------------------------
# Page model


@dataclass(frozen=True)
class Figure:
    """A key figure in a headline: shown text, a stable key and the raw value (for tests and tooltips)."""

    text: str
    key: str
    value: Any = None


@dataclass
class Table:
    caption: str
    columns: Sequence[str]
    rows: list[list[Any]]  # cells: str, or (text, colour) for a colour swatch before the text
    numeric_from: int = 1  # columns from this index on are right-aligned numbers
    empty: str = "No rows."
    wrap: tuple[int, ...] = ()  # text columns allowed to wrap (the others stay on one line)


@dataclass
class Section:
    id: str
    title: str
    headline: list[str | Figure]
    sources: tuple[str, ...]
    chart: Chart | None = None
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str | None = None  # shown instead of a chart when the data is legitimately empty


@dataclass(frozen=True)
class WarehouseStatus:
    as_of_date: date
    data_origin: str
    generator_scale: float | None
    generator_seed: int | None
    history_start_date: date | None
    last_loaded_at: datetime | None
    built_at: datetime | None

    @property
    def scale_label(self) -> str:
        if self.data_origin == "generated" and self.generator_scale is not None:
            return f"generated data, scale {self.generator_scale:g}, seed {self.generator_seed}"
        return "imported data"


@dataclass
class ReportData:
    schema: str
    status: WarehouseStatus
    sections: dict[str, dict[str, list[dict[str, Any]]]]
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


# ---------------------------------------------------------------------------------------------------------
# Reading the marts (as bi_reader)


class Marts:
    """Queries against one marts schema; a missing or (when required) empty mart raises ReportError."""

    def __init__(self, conn: psycopg.Connection, schema: str) -> None:
        self.conn = conn
        self.schema = schema
        self._exists: dict[str, bool] = {}

    def exists(self, name: str) -> bool:
        if name not in self._exists:
            relation = sql.Identifier(self.schema, name).as_string(self.conn)
            row = self.conn.execute("select to_regclass(%s)", (relation,)).fetchone()
            self._exists[name] = row is not None and row[0] is not None
        return self._exists[name]

    def mart_rows(self, query: str, mart: str) -> list[dict[str, Any]]:
        """Run ``query`` with ``{t}`` = ``mart``; an empty result blames that mart."""
        return self.rows(query, required=mart, t=mart)

    def rows(self, query: str, *, required: str | None = None, **relations: str) -> list[dict[str, Any]]:
        """Run ``query`` with ``{placeholder}`` = the mart named by each keyword. ``required`` names the mart
        to blame when the query returns nothing (None: an empty result is legitimate)."""
        for name in relations.values():
            if not self.exists(name):
                raise ReportError(
                    f"mart {self.schema}.{name} does not exist (or bi_reader cannot see it): "
                    "run `gtm build` to build the marts, then `gtm report` again"
                )
        statement = sql.SQL(query).format(
            **{key: sql.Identifier(self.schema, name) for key, name in relations.items()}
        )
        try:
            with self.conn.cursor(row_factory=dict_row) as cur:
                cur.execute(statement)
                result = cur.fetchall()
        except psycopg.errors.InsufficientPrivilege as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(
                f"bi_reader may not read {marts}: rerun `gtm build` (it grants SELECT on the marts)"
            ) from exc
        except psycopg.errors.QueryCanceled as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(f"reading {marts} hit bi_reader's statement timeout") from exc
        except psycopg.errors.UndefinedColumn as exc:
            marts = ", ".join(f"{self.schema}.{n}" for n in relations.values())
            raise ReportError(
                f"{marts} lacks a column the report reads ({exc.diag.message_primary}): "
                "rebuild the marts with `gtm build`"
            ) from exc
        if required and not result:
            raise ReportError(
                f"mart {self.schema}.{required} is empty: load data and run `gtm build` before `gtm report`"
            )
        self.conn.rollback()  # end the read-only transaction between queries
        return result


def load_status(m: Marts) -> WarehouseStatus:
    if not m.exists(STATUS_MART):
        raise ReportError(
            f"mart {m.schema}.{STATUS_MART} does not exist: run `gtm build` (the report takes its as-of date "
            "and data scale from it)"
        )
    (row,) = m.mart_rows(
        "select as_of_date, data_origin, generator_scale, generator_seed, history_start_date, "
        "last_loaded_at, built_at from {t} limit 1",
        STATUS_MART,
    )
    return WarehouseStatus(
        as_of_date=row["as_of_date"],
        data_origin=row["data_origin"],
        generator_scale=num(row["generator_scale"]),
        generator_seed=row["generator_seed"],
        history_start_date=row["history_start_date"],
        last_loaded_at=row["last_loaded_at"],
        built_at=row["built_at"],
    )


def load_channel_economics(m: Marts) -> dict[str, list[dict[str, Any]]]:
    t = "rpt_cac_ltv_by_channel"
    return {
        "channels": m.mart_rows(
            "select channel, window_start_date, window_end_date, window_months_count, leads_count, "
            "opportunities_count, deals_won_count, lead_to_opportunity_rate, total_cost_amount, cac_amount, "
            "avg_monthly_revenue_amount, ltv_12_month_amount, ltv_to_cac_12_ratio, monthly_logo_churn_rate, "
            "churn_margin_adjusted_ltv_to_cac_ratio, cac_payback_months from {t} order by channel",
            t,
        )
    }


def load_funnel(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "summary": m.mart_rows("select * from {t} order by channel", "rpt_funnel_summary"),
        "stages": m.mart_rows(
            "select channel, sum(leads_count) as leads, sum(mql_count) as mql, sum(sql_count) as sql, "
            "sum(opportunity_count) as opportunities, sum(won_count) as won from {t} group by channel "
            "order by channel",
            "rpt_funnel_conversion",
        ),
    }


def load_leaks(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "loss_reasons": m.mart_rows(
            "select lost_reason, loss_category, lost_count, share_of_losses, inbound_lost_count, "
            "outbound_lost_count, avg_days_to_close, lost_annual_value_amount from {t} "
            "order by loss_rank, lost_reason",
            "rpt_loss_reasons",
        ),
        "lead_status": m.mart_rows(
            "select lead_status, channel, lead_count from {t} order by lead_status, channel",
            "rpt_lead_status_distribution",
        ),
        # The leaks as they stand today, in the live pipeline (can legitimately be empty).
        "live": m.rows(
            "select leak, count(*) as records, "
            "sum(forecasted_annual_revenue_amount) as forecasted_annual_revenue "
            "from (select forecasted_annual_revenue_amount, case "
            "when record_type = 'Opportunity' and not is_demo_held then 1 "
            "when record_type = 'Opportunity' and health_status <> 'Fresh' then 2 "
            "when record_type = 'Lead' and health_status = 'Stale' then 3 end as leak from {t}) as live "
            "where leak is not null group by leak order by leak",
            t="ops_pipeline_health",
        ),
    }


def load_efficiency(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "months": m.rows(
            "select u.month_start_date, u.channel, u.leads_count, u.opportunities_count, u.wins_count, "
            "u.total_cost_amount, u.cost_per_lead_amount, u.cac_amount, u.blended_cac_amount, "
            "e.alert_level, e.efficiency_score, e.efficiency_trend "
            "from {u} as u left join {e} as e "
            "on e.month_start_date = u.month_start_date and e.channel = u.channel "
            "where u.is_cost_complete order by u.month_start_date, u.channel",
            required="rpt_monthly_unit_economics",
            u="rpt_monthly_unit_economics",
            e="rpt_channel_efficiency",
        )
    }


def load_pipeline_health(m: Marts) -> dict[str, list[dict[str, Any]]]:
    t = "rpt_pipeline_health"
    return {
        "segments": m.rows(
            "select record_type, demo_status, health_status, sum(record_count) as records, "
            "sum(total_forecasted_annual_revenue_amount) as forecasted, "
            "sum(total_potential_annual_revenue_amount) as potential, "
            "sum(total_days_in_pipeline)::numeric / nullif(sum(record_count), 0) as avg_days, "
            "sum(decision_maker_connected_count)::numeric / nullif(sum(record_count), 0) as dm_share "
            "from {t} group by 1, 2, 3 order by 1, 2, 3",
            t=t,
        ),
        "channels": m.rows(
            "select channel, record_type, sum(record_count) as records, "
            "sum(total_forecasted_annual_revenue_amount) as forecasted, "
            "sum(total_potential_annual_revenue_amount) as potential, "
            "sum(case when risk_level = 'High' then record_count else 0 end) as high_risk "
            "from {t} group by 1, 2 order by 1, 2",
            t=t,
        ),
    }


def load_outreach(m: Marts) -> dict[str, list[dict[str, Any]]]:
    t = "rpt_lead_outreach_priority"
    return {
        "statuses": m.rows(
            "select dashboard_status, channel, count(*) as leads, "
            "sum(predicted_monthly_value_amount) as predicted_monthly_value, "
            "sum(case when is_high_value_urgent then 1 else 0 end) as high_value_urgent "
            "from {t} group by 1, 2 order by 1, 2",
            t=t,
        ),
        "queue": m.rows(
            "select queue_position, lead_id, channel, lead_source, outreach_priority, dashboard_status, "
            "predicted_sales_tier, minutes_waiting_without_contact, response_delay_minutes, "
            "predicted_monthly_value_amount from {t} order by queue_position limit 20",
            t=t,
        ),
    }


def load_attribution(m: Marts) -> dict[str, list[dict[str, Any]]]:
    models = ", ".join(f"{model}_pipeline_share" for model in ATTRIBUTION_MODELS)
    return {
        "by_channel": m.mart_rows(
            "select attribution_model, channel, attributed_pipeline_amount, pipeline_share, won_share "
            "from {t} order by attribution_model, pipeline_rank, channel",
            "rpt_attribution_by_channel",
        ),
        "comparison": m.mart_rows(
            f"select channel, channel_group, linear_pipeline_amount, {models}, pipeline_share_spread "
            "from {t} order by linear_pipeline_share desc, channel",
            "rpt_attribution_model_comparison",
        ),
    }


def load_arr(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "bridge": m.mart_rows(
            "select month_start_date, sum(opening_arr_amount) as opening, sum(new_arr_amount) as new, "
            "sum(reactivation_arr_amount) as reactivation, sum(expansion_arr_amount) as expansion, "
            "sum(contraction_arr_amount) as contraction, sum(churn_arr_amount) as churn, "
            "sum(closing_arr_amount) as closing, sum(closing_account_count) as closing_accounts, "
            "sum(churned_account_count) as churned_accounts "
            "from {t} group by month_start_date order by month_start_date",
            "fct_arr_bridge",
        ),
        "retention": m.mart_rows(
            "select month_start_date, trailing_12m_grr_rate, trailing_12m_nrr_rate from {t} "
            "where cut_name = 'all' "
            "order by month_start_date",
            "rpt_retention",
        ),
    }


def load_o2r(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "lead_lag": m.rows(
            "select horizon_weeks, exposure_group, observation_count, account_count, usage_change_rate, "
            "contraction_rate, churn_rate, contraction_or_churn_rate, "
            "contraction_or_churn_rate_vs_unexposed, usage_change_rate_vs_unexposed from {t} "
            "order by horizon_weeks, exposure_group",
            t="rpt_o2r_lead_lag",
        ),
        "weeks": m.rows(
            "select * from (select r.week_start_date, r.revenue_amount, r.subscription_revenue_amount, "
            "r.usage_revenue_amount, r.arr_amount, r.active_account_count, "
            "p.uptime_rate, p.error_rate, p.incident_count, c.satisfaction_score, "
            "a.exposed_accounts, a.outage_minutes, a.token_count "
            "from {r} as r "
            "join {p} as p on p.week_start_date = r.week_start_date and p.cut_name = r.cut_name "
            "join {c} as c on c.week_start_date = r.week_start_date and c.cut_name = r.cut_name "
            "left join (select week_start_date, "
            "sum(case when is_active and is_reliability_exposed then 1 else 0 end) as exposed_accounts, "
            "sum(outage_minutes) as outage_minutes, sum(token_count) as token_count "
            "from {a} group by week_start_date) as a on a.week_start_date = r.week_start_date "
            "where r.cut_name = 'all' and r.is_complete_week "
            "order by r.week_start_date desc limit 26) as recent order by week_start_date",
            r="rpt_o2r_revenue_weekly",
            p="rpt_o2r_product_weekly",
            c="rpt_o2r_customer_weekly",
            a="fct_account_weekly",
        ),
    }


LOADERS: dict[str, Callable[[Marts], dict[str, list[dict[str, Any]]]]] = {
    "channel-economics": load_channel_economics,
    "funnel": load_funnel,
    "leaks": load_leaks,
    "efficiency": load_efficiency,
    "pipeline-health": load_pipeline_health,
    "outreach": load_outreach,
    "attribution": load_attribution,
    "arr-retention": load_arr,
    "o2r": load_o2r,
}


def load(conn: psycopg.Connection, schema: str) -> ReportData:
    """Every query of the report, on one connection (which should be bi_reader's)."""
    m = Marts(conn, schema)
    status = load_status(m)
    return ReportData(schema, status, {key: loader(m) for key, loader in LOADERS.items()})


# ---------------------------------------------------------------------------------------------------------
# Sections: rows in, Section out. Every builder copes with the rows a real build can produce.


def _channels(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({r["channel"] for r in rows}, key=channel_sort_key)


def _swatch(text: str, color: str) -> tuple[str, str]:
    return (text, color)


def _join(parts: Sequence[list[str | Figure]]) -> list[str | Figure]:
    out: list[str | Figure] = []
    for i, part in enumerate(parts):
        if i:
            out.append(" and " if i == len(parts) - 1 else ", ")
        out.extend(part)
    return out


def build_channel_economics(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    rows = sorted(data["channels"], key=lambda r: channel_sort_key(r["channel"]))
    first = rows[0]
    window = f"{fmt_month(first['window_start_date'])} {DASH} {fmt_month(first['window_end_date'])}"
    ranked = sorted(rows, key=lambda r: -(num(r["ltv_to_cac_12_ratio"]) or 0))
    headline: list[str | Figure] = ["12-month LTV returns "]
    headline += _join(
        [
            [
                Figure(
                    fmt_ratio(r["ltv_to_cac_12_ratio"]),
                    f"ltv_to_cac_12.{r['channel']}",
                    r["ltv_to_cac_12_ratio"],
                ),
                f" the CAC for {r['channel']}",
            ]
            for r in ranked
        ]
    )
    headline.append(f" ({window}, {first['window_months_count']} cost-complete months).")

    chart = Chart("CAC against 12-month LTV per acquisition channel")
    chart.legend((r["channel"], channel_color(r["channel"])) for r in rows)
    chart.grouped_vbars(
        ["CAC (cost per won deal)", "LTV, 12 months"],
        [
            Series(
                r["channel"],
                channel_color(r["channel"]),
                [num(r["cac_amount"]), num(r["ltv_12_month_amount"])],
            )
            for r in rows
        ],
        fmt_money,
        fmt_tick_money,
    )
    table = Table(
        "Unit economics per channel over the window",
        [
            "Channel",
            "Leads",
            "Opportunities",
            "Lead → opp",
            "Deals won",
            "Acquisition cost",
            "CAC",
            "Revenue / customer-month",
            "LTV 12 mo",
            "LTV:CAC 12",
            "Logo churn / month",
            "Adjusted LTV:CAC",
            "Payback (months)",
        ],
        [
            [
                _swatch(r["channel"], channel_color(r["channel"])),
                fmt_count(r["leads_count"]),
                fmt_count(r["opportunities_count"]),
                fmt_pct(r["lead_to_opportunity_rate"]),
                fmt_count(r["deals_won_count"]),
                fmt_money(r["total_cost_amount"]),
                fmt_money(r["cac_amount"]),
                fmt_money(r["avg_monthly_revenue_amount"]),
                fmt_money(r["ltv_12_month_amount"]),
                fmt_ratio(r["ltv_to_cac_12_ratio"]),
                fmt_pct(r["monthly_logo_churn_rate"], 2),
                fmt_ratio(r["churn_margin_adjusted_ltv_to_cac_ratio"]),
                fmt_decimal(r["cac_payback_months"]),
            ]
            for r in rows
        ],
    )
    return Section(
        "channel-economics",
        "Channel economics",
        headline,
        ("rpt_cac_ltv_by_channel",),
        chart,
        [table],
        [
            f"LTV 12 months = revenue per customer-month {TIMES} 12 (no margin, no churn), the case study's "
            "measure. Adjusted LTV applies gross margin and each channel's observed logo churn; payback is "
            "months of gross profit that repay the CAC."
        ],
    )


def build_funnel(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    summary = sorted(data["summary"], key=lambda r: channel_sort_key(r["channel"]))
    stages = {r["channel"]: r for r in data["stages"]}
    channels = [r["channel"] for r in summary]
    headline: list[str | Figure] = []
    headline += _join(
        [
            [
                f"{r['channel']} turns ",
                Figure(
                    fmt_pct(r["lead_to_opportunity_rate"]),
                    f"lead_to_opportunity_rate.{r['channel']}",
                    r["lead_to_opportunity_rate"],
                ),
            ]
            for r in summary
        ]
    )
    headline.append(" of its leads into opportunities; of the deals closed, ")
    headline += _join(
        [
            [
                f"{r['channel']} wins ",
                Figure(
                    fmt_pct(r["win_rate_of_closed"]),
                    f"win_rate_of_closed.{r['channel']}",
                    r["win_rate_of_closed"],
                ),
            ]
            for r in summary
        ]
    )
    headline.append(".")

    stage_names = (
        ("leads", "Leads"),
        ("mql", "MQL"),
        ("sql", "SQL"),
        ("opportunities", "Opportunity"),
        ("won", "Won"),
    )
    chart = Chart("Lead funnel by stage and channel")
    chart.legend((c, channel_color(c)) for c in channels)
    groups = []
    for i, (key, label) in enumerate(stage_names):
        segs = []
        for c in channels:
            row = stages.get(c)
            value = num(row[key]) if row else None
            previous = num(row[stage_names[i - 1][0]]) if row and i else None
            step = (
                f" ({fmt_pct(value / previous)} of {stage_names[i - 1][1]})"
                if previous and value is not None
                else ""
            )
            segs.append(Seg(c, value, channel_color(c), f"{fmt_count(value)}{step}"))
        groups.append((label, segs))
    chart.grouped_hbars(groups)

    summary_table = Table(
        "Funnel per channel",
        [
            "Channel",
            "Leads",
            "Converted",
            "Lead → opp",
            "Opportunities",
            "Won",
            "Lost",
            "Open",
            "Win rate (closed)",
            "Working leads",
            "Bad contact data",
        ],
        [
            [
                _swatch(r["channel"], channel_color(r["channel"])),
                fmt_count(r["total_leads"]),
                fmt_count(r["converted_leads"]),
                fmt_pct(r["lead_to_opportunity_rate"]),
                fmt_count(r["opportunities"]),
                fmt_count(r["won_deals"]),
                fmt_count(r["lost_deals"]),
                fmt_count(r["open_opportunities"]),
                fmt_pct(r["win_rate_of_closed"]),
                fmt_count(r["working_leads"]),
                fmt_count(r["bad_contact_data_leads"]),
            ]
            for r in summary
        ],
    )
    stage_table = Table(
        "Leads reaching each stage (all cohorts)",
        ["Stage", *channels],
        [
            [label, *(fmt_count(stages[c][key]) if c in stages else DASH for c in channels)]
            for key, label in stage_names
        ],
    )
    return Section(
        "funnel",
        "Funnel",
        headline,
        ("rpt_funnel_summary", "rpt_funnel_conversion"),
        chart,
        [summary_table, stage_table],
        [
            "Stages are cumulative (Lead → MQL → SQL → Opportunity → Won); every inbound lead is an MQL by "
            "its form. Recent cohorts still hold open opportunities."
        ],
    )


def _leak_of_reason(reason: str) -> int | None:
    if reason in LEAK_1_REASONS:
        return 1
    if reason in LEAK_2_REASONS:
        return 2
    return None


def build_leaks(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    reasons = data["loss_reasons"]
    all_lost = sum(num(r["lost_count"]) or 0 for r in reasons)
    leak = {1: {"count": 0.0, "value": 0.0}, 2: {"count": 0.0, "value": 0.0}}
    for r in reasons:
        k = _leak_of_reason(r["lost_reason"])
        if k:
            leak[k]["count"] += num(r["lost_count"]) or 0
            leak[k]["value"] += num(r["lost_annual_value_amount"]) or 0
    by_status: dict[str, dict[str, float]] = {}
    for r in data["lead_status"]:
        by_status.setdefault(r["lead_status"], {})[r["channel"]] = num(r["lead_count"]) or 0
    all_leads = sum(sum(v.values()) for v in by_status.values())
    working = sum(by_status.get(LEAK_3_STATUS, {}).values())
    share = {k: (leak[k]["count"] / all_lost if all_lost else None) for k in (1, 2)}
    working_share = working / all_leads if all_leads else None
    live = {int(r["leak"]): r for r in data["live"]}

    headline: list[str | Figure] = [
        "Demo no-shows cause ",
        Figure(fmt_pct(share[1]), "leak1_share_of_losses", share[1]),
        " of lost deals and post-demo silence another ",
        Figure(fmt_pct(share[2]), "leak2_share_of_losses", share[2]),
        "; ",
        Figure(fmt_pct(working_share), "leak3_share_of_leads", working_share),
        f" of all leads ({fmt_count(working)}) sit in Working.",
    ]

    chart = Chart("Closed-lost reasons and lead statuses, the three leaks highlighted")
    chart.panel_title("Why deals are lost (closed-lost opportunities)")
    chart.legend(
        [
            ("Leak 1: demo no-show", LEAK_COLORS[1]),
            ("Leak 2: post-demo silence", LEAK_COLORS[2]),
            ("Other reasons", OTHER_COLOR),
        ]
    )
    chart.stacked_hbars(
        [
            (
                r["lost_reason"],
                [
                    Seg(
                        "lost deals",
                        num(r["lost_count"]),
                        LEAK_COLORS.get(_leak_of_reason(r["lost_reason"]) or 0, OTHER_COLOR),
                    )
                ],
            )
            for r in reasons
        ],
        lambda v: f"{fmt_count(v)} ({fmt_pct(v / all_lost if all_lost else None)})",
    )
    chart.gap(14)
    chart.panel_title("Where every lead stands (leak 3: the Working graveyard)")
    channels = _channels(data["lead_status"])
    chart.legend([*((c, channel_color(c)) for c in channels), ("Leak 3: stuck in Working", LEAK_COLORS[3])])
    statuses = sorted(by_status, key=lambda s: -sum(by_status[s].values()))
    chart.stacked_hbars(
        [(s, [Seg(c, by_status[s].get(c), channel_color(c)) for c in channels]) for s in statuses],
        lambda v: f"{fmt_count(v)} ({fmt_pct(v / all_leads if all_leads else None)})",
        emphasize=[LEAK_3_STATUS],
        outline=LEAK_COLORS[3],
    )

    def live_cells(k: int) -> list[str]:
        row = live.get(k)
        return [
            fmt_count(row["records"] if row else 0),
            fmt_money(row["forecasted_annual_revenue"] if row else 0),
        ]

    leaks_table = Table(
        "The three leaks: what they cost, and what sits in the live pipeline today",
        [
            "Leak",
            "Definition",
            "Deals / leads",
            "Share",
            "Annual value lost",
            "Live records now",
            "Live forecasted annual revenue",
        ],
        [
            [
                _swatch("1. Demo no-shows", LEAK_COLORS[1]),
                "closed lost: " + ", ".join(LEAK_1_REASONS),
                fmt_count(leak[1]["count"]),
                fmt_pct(share[1]) + " of losses",
                fmt_money(leak[1]["value"]),
                *live_cells(1),
            ],
            [
                _swatch("2. Post-demo silence", LEAK_COLORS[2]),
                "closed lost: " + ", ".join(LEAK_2_REASONS),
                fmt_count(leak[2]["count"]),
                fmt_pct(share[2]) + " of losses",
                fmt_money(leak[2]["value"]),
                *live_cells(2),
            ],
            [
                _swatch("3. Working-lead graveyard", LEAK_COLORS[3]),
                "lead status Working",
                fmt_count(working),
                fmt_pct(working_share) + " of leads",
                DASH,
                *live_cells(3),
            ],
        ],
        numeric_from=2,
        wrap=(1,),
    )
    reasons_table = Table(
        "Closed-lost reasons",
        [
            "Reason",
            "Category",
            "Lost deals",
            "Share of losses",
            "Inbound",
            "Outbound",
            "Days to close",
            "Annual value lost",
        ],
        [
            [
                _swatch(
                    r["lost_reason"], LEAK_COLORS.get(_leak_of_reason(r["lost_reason"]) or 0, OTHER_COLOR)
                ),
                r["loss_category"],
                fmt_count(r["lost_count"]),
                fmt_pct(r["share_of_losses"]),
                fmt_count(r["inbound_lost_count"]),
                fmt_count(r["outbound_lost_count"]),
                fmt_decimal(r["avg_days_to_close"]),
                fmt_money(r["lost_annual_value_amount"]),
            ]
            for r in reasons
        ],
        numeric_from=2,
    )
    status_table = Table(
        "Leads by status",
        ["Status", *channels, "All leads", "Share of leads"],
        [
            [
                s,
                *(fmt_count(by_status[s].get(c, 0)) for c in channels),
                fmt_count(sum(by_status[s].values())),
                fmt_pct(sum(by_status[s].values()) / all_leads if all_leads else None),
            ]
            for s in statuses
        ],
    )
    return Section(
        "leaks",
        "The three leaks",
        headline,
        ("rpt_loss_reasons", "rpt_lead_status_distribution", "ops_pipeline_health"),
        chart,
        [leaks_table, reasons_table, status_table],
        [
            "Live records now: open opportunities without a held demo (leak 1), demo-held opportunities past "
            "Fresh, i.e. in the post-demo danger zone (leak 2), and Stale working leads (leak 3)."
        ],
    )


def build_efficiency(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    rows = data["months"]
    months = sorted({r["month_start_date"] for r in rows})
    channels = _channels(rows)
    cell = {(r["month_start_date"], r["channel"]): r for r in rows}
    blended = {r["month_start_date"]: num(r["blended_cac_amount"]) for r in rows}
    latest = months[-1]
    headline: list[str | Figure] = [f"In {fmt_month(latest)}, the latest cost-complete month, CAC was "]
    headline += _join(
        [
            [
                Figure(
                    fmt_money(cell[(latest, c)]["cac_amount"]) if (latest, c) in cell else DASH,
                    f"cac.{c}",
                    cell[(latest, c)]["cac_amount"] if (latest, c) in cell else None,
                ),
                f" for {c}",
            ]
            for c in channels
        ]
    )
    headline += [
        " (blended ",
        Figure(fmt_money(blended.get(latest)), "blended_cac", blended.get(latest)),
        ")",
    ]
    recent = months[-6:]
    alerts = sum(
        1 for mth in recent for c in channels if (cell.get((mth, c)) or {}).get("alert_level") == "Alert"
    )
    headline.append(
        f"; {alerts} efficiency alert{'s' if alerts != 1 else ''} in the last {len(recent)} months."
    )

    chart = Chart("Monthly CAC per channel and blended")
    chart.legend(
        [*((c, channel_color(c)) for c in channels), ("Blended", "#475569"), ("Efficiency alert", LOSS_COLOR)]
    )
    series = [
        Series(
            c,
            channel_color(c),
            [num((cell.get((mth, c)) or {}).get("cac_amount")) for mth in months],
            alerts=frozenset(
                i for i, mth in enumerate(months) if (cell.get((mth, c)) or {}).get("alert_level") == "Alert"
            ),
        )
        for c in channels
    ]
    series.append(Series("Blended", "#475569", [blended.get(mth) for mth in months], dashed=True))
    chart.lines([f"{mth:%b %y}" for mth in months], series, fmt_money, fmt_tick_money, clip_outliers=True)

    columns = ["Month"]
    for c in channels:
        columns += [f"{c} leads", f"{c} wins", f"{c} cost / lead", f"{c} CAC", f"{c} alert"]
    columns.append("Blended CAC")
    table_rows = []
    for mth in reversed(months):
        line: list[Any] = [fmt_month(mth)]
        for c in channels:
            r = cell.get((mth, c)) or {}
            line += [
                fmt_count(r.get("leads_count")),
                fmt_count(r.get("wins_count")),
                fmt_money(r.get("cost_per_lead_amount")),
                fmt_money(r.get("cac_amount")),
                r.get("alert_level") or DASH,
            ]
        line.append(fmt_money(blended.get(mth)))
        table_rows.append(line)
    return Section(
        "efficiency",
        "Monthly efficiency trends",
        headline,
        ("rpt_monthly_unit_economics", "rpt_channel_efficiency"),
        chart,
        [Table("Cost-complete months, newest first", columns, table_rows)],
        [
            "Only cost-complete months (ad spend and both teams' pay booked) carry unit costs. An alert "
            "month (circled) moved at least two of CAC, cost per lead and lead-to-win rate past their "
            "thresholds against the channel's prior average."
        ],
    )


def build_pipeline_health(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    segments = data["segments"]
    sources = ("rpt_pipeline_health",)
    if not segments:
        return Section(
            "pipeline-health",
            "Pipeline health",
            ["No open opportunity and no working lead."],
            sources,
            empty="The live pipeline is empty: nothing is open or in Working status.",
        )
    opps = [r for r in segments if r["record_type"] == "Opportunity"]
    leads = [r for r in segments if r["record_type"] == "Lead"]
    opp_count = sum(num(r["records"]) or 0 for r in opps)
    opp_value = sum(num(r["forecasted"]) or 0 for r in opps)
    no_demo = [r for r in opps if r["demo_status"] != "Demo Held"]
    no_demo_count = sum(num(r["records"]) or 0 for r in no_demo)
    no_demo_value = sum(num(r["forecasted"]) or 0 for r in no_demo)
    lead_count = sum(num(r["records"]) or 0 for r in leads)
    stale = sum(num(r["records"]) or 0 for r in leads if r["health_status"] == "Stale")
    stale_share = stale / lead_count if lead_count else None
    headline: list[str | Figure] = [
        Figure(fmt_count(opp_count), "open_opportunities", opp_count),
        " open opportunities carry ",
        Figure(fmt_money(opp_value, compact=True), "open_forecasted_annual_revenue", opp_value),
        " of forecasted annual revenue; ",
        Figure(fmt_count(no_demo_count), "no_held_demo_opportunities", no_demo_count),
        f" of them ({fmt_money(no_demo_value, compact=True)}) have no held demo, and ",
        Figure(fmt_pct(stale_share), "stale_lead_share", stale_share),
        f" of {fmt_count(lead_count)} working leads are stale.",
    ]

    chart = Chart("Open pipeline by demo status and health; working leads by health")
    health_present = [h for h in HEALTH_ORDER if any(r["health_status"] == h for r in segments)]
    demo_statuses = sorted(
        {r["demo_status"] for r in opps}, key=lambda d: (DEMO_ORDER.index(d) if d in DEMO_ORDER else 9, d)
    )
    if opps:
        chart.panel_title("Open opportunities: forecasted annual revenue by demo status")
        opp_health = [h for h in health_present if any(r["health_status"] == h for r in opps)]
        chart.legend((h, HEALTH_COLORS.get(h, OTHER_COLOR)) for h in opp_health)
        chart.stacked_hbars(
            [
                (
                    d,
                    [
                        Seg(
                            h,
                            sum(
                                num(r["forecasted"]) or 0
                                for r in opps
                                if r["demo_status"] == d and r["health_status"] == h
                            ),
                            HEALTH_COLORS.get(h, OTHER_COLOR),
                            "",
                        )
                        for h in opp_health
                    ],
                )
                for d in demo_statuses
            ],
            lambda v: fmt_money(v, compact=True),
        )
        chart.gap(12)
    if leads:
        chart.panel_title("Working leads by health")
        chart.stacked_hbars(
            [
                (
                    h,
                    [
                        Seg(
                            "leads",
                            sum(num(r["records"]) or 0 for r in leads if r["health_status"] == h),
                            HEALTH_COLORS.get(h, OTHER_COLOR),
                        )
                    ],
                )
                for h in health_present
                if any(r["health_status"] == h for r in leads)
            ],
            lambda v: f"{fmt_count(v)} leads ({fmt_pct(v / lead_count if lead_count else None)})",
        )

    overview = Table(
        "Overview by channel",
        [
            "Channel",
            "Record type",
            "Records",
            "Forecasted annual revenue",
            "Potential (weighted)",
            "High risk",
        ],
        [
            [
                _swatch(r["channel"] or "Unknown", channel_color(r["channel"] or "Unknown")),
                r["record_type"],
                fmt_count(r["records"]),
                fmt_money(r["forecasted"]),
                fmt_money(r["potential"]),
                fmt_count(r["high_risk"]),
            ]
            for r in sorted(
                data["channels"],
                key=lambda r: (
                    r["record_type"] != "Opportunity",
                    channel_sort_key(r["channel"] or "Unknown"),
                ),
            )
        ],
        numeric_from=2,
    )
    opp_table = Table(
        "Opportunities by demo status and health",
        [
            "Demo status",
            "Health",
            "Records",
            "Forecasted annual revenue",
            "Potential (weighted)",
            "Avg days in pipeline",
        ],
        [
            [
                r["demo_status"],
                _swatch(r["health_status"], HEALTH_COLORS.get(r["health_status"], OTHER_COLOR)),
                fmt_count(r["records"]),
                fmt_money(r["forecasted"]),
                fmt_money(r["potential"]),
                fmt_decimal(r["avg_days"], 0),
            ]
            for r in sorted(
                opps,
                key=lambda r: (
                    demo_statuses.index(r["demo_status"]),
                    health_present.index(r["health_status"]) if r["health_status"] in health_present else 99,
                ),
            )
        ],
        numeric_from=2,
        empty="No open opportunity.",
    )
    lead_table = Table(
        "Working leads by health",
        [
            "Health",
            "Leads",
            "Forecasted annual revenue",
            "Potential (weighted)",
            "Avg days in pipeline",
            "Decision maker reached",
        ],
        [
            [
                _swatch(r["health_status"], HEALTH_COLORS.get(r["health_status"], OTHER_COLOR)),
                fmt_count(r["records"]),
                fmt_money(r["forecasted"]),
                fmt_money(r["potential"]),
                fmt_decimal(r["avg_days"], 0),
                fmt_pct(r["dm_share"]),
            ]
            for r in sorted(
                leads,
                key=lambda r: (
                    health_present.index(r["health_status"]) if r["health_status"] in health_present else 99
                ),
            )
        ],
        empty="No working lead.",
    )
    return Section(
        "pipeline-health",
        "Pipeline health",
        headline,
        sources,
        chart,
        [overview, opp_table, lead_table],
        [
            f"Forecasted annual revenue is ACV for opportunities and the predicted value {TIMES} 12 for "
            "leads; the potential weighs it by win probability."
        ],
    )


def build_outreach(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    rows = data["statuses"]
    sources = ("rpt_lead_outreach_priority",)
    if not rows:
        return Section(
            "outreach",
            "Outreach action queue",
            ["No open lead is waiting for outreach."],
            sources,
            empty="No lead is in status New or Working, so the queue is empty.",
        )
    channels = _channels(rows)
    per: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        per.setdefault(r["dashboard_status"], {})[r["channel"]] = r
    statuses = [s for s in STATUS_ORDER if s in per] + sorted(s for s in per if s not in STATUS_ORDER)

    def total(s: str, key: str) -> float:
        return sum(num(r[key]) or 0 for r in per.get(s, {}).values())

    action = total("ACTION REQUIRED", "leads")
    urgent = total("ACTION REQUIRED", "high_value_urgent")
    headline: list[str | Figure] = [
        Figure(fmt_count(action), "action_required", action),
        " leads are waiting for a first touch inside the 72-hour window (",
        Figure(fmt_count(urgent), "high_value_urgent", urgent),
        " of them high-value); ",
        Figure(fmt_count(total("RE-ENGAGE", "leads")), "re_engage", total("RE-ENGAGE", "leads")),
        " were reached late and need re-engaging, ",
        Figure(fmt_count(total("EXPIRED", "leads")), "expired", total("EXPIRED", "leads")),
        " have expired to nurture.",
    ]
    chart = Chart("Open leads by outreach status and channel")
    chart.legend((c, channel_color(c)) for c in channels)
    chart.stacked_hbars(
        [
            (s, [Seg(c, num((per[s].get(c) or {}).get("leads")), channel_color(c)) for c in channels])
            for s in statuses
        ],
        lambda v: f"{fmt_count(v)} leads",
        emphasize=["ACTION REQUIRED"],
    )
    status_table = Table(
        "Open leads by outreach status",
        ["Status", *channels, "All", "Predicted monthly value", "High-value urgent"],
        [
            [
                s,
                *(fmt_count((per[s].get(c) or {}).get("leads") or 0) for c in channels),
                fmt_count(total(s, "leads")),
                fmt_money(total(s, "predicted_monthly_value")),
                fmt_count(total(s, "high_value_urgent")),
            ]
            for s in statuses
        ],
    )

    def waited(r: dict[str, Any]) -> str:
        minutes = num(r["minutes_waiting_without_contact"])
        if minutes is not None:
            return f"waiting {minutes / 60:,.1f} h"
        delay = num(r["response_delay_minutes"])
        return f"reached after {delay / 60:,.1f} h" if delay is not None else DASH

    queue_table = Table(
        "Top of the morning queue (act from the top)",
        [
            "#",
            "Lead",
            "Channel",
            "Source",
            "Priority",
            "Status",
            "Predicted tier",
            "Clock",
            "Predicted monthly value",
        ],
        [
            [
                fmt_count(r["queue_position"]),
                r["lead_id"],
                _swatch(r["channel"], channel_color(r["channel"])),
                r["lead_source"] or DASH,
                r["outreach_priority"],
                r["dashboard_status"],
                r["predicted_sales_tier"] or DASH,
                waited(r),
                fmt_money(r["predicted_monthly_value_amount"]),
            ]
            for r in data["queue"]
        ],
        numeric_from=8,
    )
    return Section(
        "outreach",
        "Outreach action queue",
        headline,
        sources,
        chart,
        [status_table, queue_table],
        [
            "ACTION REQUIRED: never contacted, still inside the 72-hour window. RE-ENGAGE: first contact "
            "came late. MONITOR: contacted within a day, follow up. EXPIRED: past 72 hours without contact "
            "or long cold, move to nurture."
        ],
    )


def build_attribution(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    comparison = data["comparison"]
    order = [r["channel"] for r in comparison]
    by_model: dict[str, dict[str, dict[str, Any]]] = {}
    for r in data["by_channel"]:
        by_model.setdefault(r["attribution_model"], {})[r["channel"]] = r
    models = [m for m in ATTRIBUTION_MODELS if m in by_model] + sorted(
        m for m in by_model if m not in ATTRIBUTION_MODELS
    )
    first_model = models[0]
    top = max(by_model[first_model].values(), key=lambda r: num(r["pipeline_share"]) or 0)
    widest = max(comparison, key=lambda r: num(r["pipeline_share_spread"]) or 0)
    headline: list[str | Figure] = [
        f"Under {ATTRIBUTION_MODELS.get(first_model, first_model).lower()} attribution {top['channel']} "
        "sources the most pipeline (",
        Figure(fmt_pct(top["pipeline_share"]), f"top_share.{first_model}", top["pipeline_share"]),
        f"); the choice of model moves {widest['channel']} most, by ",
        Figure(
            f"{(num(widest['pipeline_share_spread']) or 0) * 100:.1f} pts",
            "widest_spread",
            widest["pipeline_share_spread"],
        ),
        " of pipeline share.",
    ]
    chart = Chart("Share of pipeline by channel under each attribution model")
    chart.legend((c, attribution_color(c)) for c in order)
    chart.stacked_hbars(
        [
            (
                ATTRIBUTION_MODELS.get(m, m),
                [
                    Seg(
                        c,
                        num((by_model[m].get(c) or {}).get("pipeline_share")),
                        attribution_color(c),
                        fmt_money((by_model[m].get(c) or {}).get("attributed_pipeline_amount"), compact=True),
                    )
                    for c in order
                ],
            )
            for m in models
        ],
        fmt_pct,
        normalize=True,
        label_width=110,
        row_height=34,
    )
    table = Table(
        "Pipeline share by channel and model",
        [
            "Channel",
            "Group",
            *(ATTRIBUTION_MODELS[m] for m in ATTRIBUTION_MODELS),
            "Spread",
            "Pipeline (linear)",
        ],
        [
            [
                _swatch(r["channel"], attribution_color(r["channel"])),
                r["channel_group"],
                *(fmt_pct(r[f"{m}_pipeline_share"]) for m in ATTRIBUTION_MODELS),
                f"{(num(r['pipeline_share_spread']) or 0) * 100:.1f} pts",
                fmt_money(r["linear_pipeline_amount"]),
            ]
            for r in comparison
        ],
        numeric_from=2,
    )
    return Section(
        "attribution",
        "Attribution by model and channel",
        headline,
        ("rpt_attribution_by_channel", "rpt_attribution_model_comparison"),
        chart,
        [table],
        [
            "Each model's shares add up to all pipeline; Unattributed is pipeline without a touchpoint in "
            "the attribution window. Spread = highest minus lowest share across the six models."
        ],
    )


def build_arr(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    bridge = data["bridge"][-12:]
    retention = {r["month_start_date"]: r for r in data["retention"]}
    first, last = bridge[0], bridge[-1]
    opening, closing = num(first["opening"]) or 0, num(last["closing"]) or 0
    sums = {
        k: sum(num(r[k]) or 0 for r in bridge)
        for k in ("new", "reactivation", "expansion", "contraction", "churn")
    }
    growth = (closing - opening) / opening if opening else None
    latest_ret = retention.get(last["month_start_date"]) or {}
    grr, nrr = latest_ret.get("trailing_12m_grr_rate"), latest_ret.get("trailing_12m_nrr_rate")
    headline: list[str | Figure] = [
        f"ARR closed {fmt_month(last['month_start_date'])} at ",
        Figure(fmt_money(closing, compact=True), "closing_arr", closing),
        f", {'up' if (growth or 0) >= 0 else 'down'} ",
        Figure(fmt_pct(abs(growth) if growth is not None else None), "arr_growth", growth),
        f" in {len(bridge)} months from {fmt_money(opening, compact=True)}; ",
    ]
    if grr is None:
        headline.append("trailing-12-month GRR and NRR need a year of revenue history.")
    else:
        headline += [
            "trailing-12-month GRR ",
            Figure(fmt_pct(grr), "grr_t12", grr),
            ", NRR ",
            Figure(fmt_pct(nrr), "nrr_t12", nrr),
            ".",
        ]
    chart = Chart(f"ARR bridge over the {len(bridge)} months to {fmt_month(last['month_start_date'])}")
    chart.waterfall(
        [
            (f"Opening {first['month_start_date'] - timedelta(days=1):%b %y}", opening, "total"),
            ("New", sums["new"], "delta"),
            ("Reactivation", sums["reactivation"], "delta"),
            ("Expansion", sums["expansion"], "delta"),
            ("Contraction", sums["contraction"], "delta"),
            ("Churn", sums["churn"], "delta"),
            (f"Closing {last['month_start_date']:%b %y}", closing, "total"),
        ],
        lambda v: fmt_money(v, compact=True),
    )
    table = Table(
        "ARR bridge by month, with revenue retention",
        [
            "Month",
            "Opening",
            "New",
            "Reactivation",
            "Expansion",
            "Contraction",
            "Churn",
            "Closing",
            "Paying accounts",
            "GRR, trailing 12 mo",
            "NRR, trailing 12 mo",
        ],
        [
            [
                fmt_month(r["month_start_date"]),
                fmt_money(r["opening"]),
                fmt_money(r["new"]),
                fmt_money(r["reactivation"]),
                fmt_money(r["expansion"]),
                fmt_money(r["contraction"]),
                fmt_money(r["churn"]),
                fmt_money(r["closing"]),
                fmt_count(r["closing_accounts"]),
                *(
                    fmt_pct((retention.get(r["month_start_date"]) or {}).get(k))
                    for k in ("trailing_12m_grr_rate", "trailing_12m_nrr_rate")
                ),
            ]
            for r in reversed(bridge)
        ],
    )
    return Section(
        "arr-retention",
        "ARR bridge and retention",
        headline,
        ("fct_arr_bridge", "rpt_retention"),
        chart,
        [table],
        [
            f"ARR = committed subscription MRR {TIMES} 12 (usage not annualised). GRR caps each base account "
            "at its starting MRR; NRR counts its expansion too; both exclude accounts won in the window."
        ],
    )


def build_o2r(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    lag = data["lead_lag"]
    weeks = data["weeks"]
    sources = (
        "rpt_o2r_lead_lag",
        "rpt_o2r_revenue_weekly",
        "rpt_o2r_product_weekly",
        "rpt_o2r_customer_weekly",
        "fct_account_weekly",
    )
    if not lag and not weeks:
        return Section(
            "o2r",
            "O2R: reliability against usage and revenue",
            ["No product usage or revenue weeks to compare."],
            sources,
            empty="The O2R marts are empty: the data holds no API events or recognised revenue.",
        )
    tables: list[Table] = []
    chart = Chart("Reliability events against contraction, churn, usage and revenue")
    headline: list[str | Figure]
    if lag:
        horizons = sorted({int(r["horizon_weeks"]) for r in lag})
        cell = {(int(r["horizon_weeks"]), r["exposure_group"]): r for r in lag}
        groups = [g for g in ("exposed", "unexposed") if any(r["exposure_group"] == g for r in lag)]
        h = horizons[-1]
        exposed = (cell.get((h, "exposed")) or {}).get("contraction_or_churn_rate")
        unexposed = (cell.get((h, "unexposed")) or {}).get("contraction_or_churn_rate")
        diff = (num(exposed) - num(unexposed)) if exposed is not None and unexposed is not None else None
        headline = [
            f"Within {h} weeks, accounts hit by a reliability event contracted or churned at ",
            Figure(fmt_pct(exposed), f"exposed_contraction_or_churn.{h}", exposed),
            ", against ",
            Figure(fmt_pct(unexposed), f"unexposed_contraction_or_churn.{h}", unexposed),
            f" for unexposed accounts ({fmt_points(diff)}).",
        ]
        chart.legend(
            [
                ("Exposed (outage or heavy throttling that week)", EXPOSURE_COLORS["exposed"]),
                ("Unexposed", EXPOSURE_COLORS["unexposed"]),
            ]
        )
        chart.panel_title("Contraction or churn, weeks after the observed week")
        categories = [f"{x} weeks" for x in horizons]
        chart.grouped_vbars(
            categories,
            [
                Series(
                    g,
                    EXPOSURE_COLORS.get(g, OTHER_COLOR),
                    [num((cell.get((x, g)) or {}).get("contraction_or_churn_rate")) for x in horizons],
                )
                for g in groups
            ],
            fmt_pct,
            fmt_tick_pct,
            height=200,
        )
        chart.gap(10)
        chart.panel_title("Usage change (tokens after vs before)")
        chart.grouped_vbars(
            categories,
            [
                Series(
                    g,
                    EXPOSURE_COLORS.get(g, OTHER_COLOR),
                    [num((cell.get((x, g)) or {}).get("usage_change_rate")) for x in horizons],
                )
                for g in groups
            ],
            fmt_signed_pct,
            fmt_tick_pct,
            height=200,
        )
        tables.append(
            Table(
                "Lead-lag: exposed against unexposed account-weeks",
                [
                    "Horizon",
                    "Group",
                    "Account-weeks",
                    "Accounts",
                    "Contraction",
                    "Churn",
                    "Contraction or churn",
                    "vs unexposed",
                    "Usage change",
                ],
                [
                    [
                        f"{int(r['horizon_weeks'])} weeks",
                        _swatch(r["exposure_group"], EXPOSURE_COLORS.get(r["exposure_group"], OTHER_COLOR)),
                        fmt_count(r["observation_count"]),
                        fmt_count(r["account_count"]),
                        fmt_pct(r["contraction_rate"]),
                        fmt_pct(r["churn_rate"]),
                        fmt_pct(r["contraction_or_churn_rate"]),
                        DASH
                        if r["exposure_group"] == "unexposed"
                        else fmt_points(r["contraction_or_churn_rate_vs_unexposed"]),
                        fmt_signed_pct(r["usage_change_rate"]),
                    ]
                    for r in lag
                ],
                numeric_from=2,
            )
        )
    else:
        headline = ["Not enough weekly history yet to compare exposed and unexposed accounts 4-12 weeks on."]
    if weeks:
        labels = [f"{w['week_start_date']:%-d %b}" for w in weeks]
        chart.gap(10)
        chart.panel_title("Weekly recognised revenue (complete weeks)")
        chart.legend([("Revenue", REVENUE_COLOR), ("of which subscription", SUBSCRIPTION_COLOR)])
        chart.lines(
            labels,
            [
                Series("Revenue", REVENUE_COLOR, [num(w["revenue_amount"]) for w in weeks]),
                Series(
                    "Subscription",
                    SUBSCRIPTION_COLOR,
                    [num(w["subscription_revenue_amount"]) for w in weeks],
                    dashed=True,
                ),
            ],
            fmt_money,
            fmt_tick_money,
            height=190,
        )
        chart.panel_title("Share of paying accounts hit by a reliability event")
        chart.lines(
            labels,
            [
                Series(
                    "Exposed share",
                    EXPOSURE_COLORS["exposed"],
                    [
                        (num(w["exposed_accounts"]) or 0) / num(w["active_account_count"])
                        if num(w["active_account_count"])
                        else None
                        for w in weeks
                    ],
                )
            ],
            fmt_pct,
            fmt_tick_pct,
            height=150,
        )
        tables.append(
            Table(
                "The weekly panel (latest complete weeks, newest first)",
                [
                    "Week",
                    "Revenue",
                    "ARR",
                    "Paying accounts",
                    "Exposed accounts",
                    "Outage minutes",
                    "Incidents",
                    "Uptime",
                    "Error rate",
                    "Satisfaction",
                ],
                [
                    [
                        f"{w['week_start_date']:%-d %b %Y}",
                        fmt_money(w["revenue_amount"]),
                        fmt_money(w["arr_amount"]),
                        fmt_count(w["active_account_count"]),
                        fmt_count(w["exposed_accounts"]),
                        fmt_count(w["outage_minutes"]),
                        fmt_count(w["incident_count"]),
                        fmt_pct(w["uptime_rate"], 2),
                        fmt_pct(w["error_rate"], 2),
                        fmt_decimal(w["satisfaction_score"]),
                    ]
                    for w in reversed(weeks)
                ],
            )
        )
    notes = [
        "Exposed: the account-week had an outage or a heavily throttled share of requests; unexposed: no "
        "event that week nor in the clean weeks before. Outcomes compare committed MRR and tokens 4, 8 "
        "and 12 weeks on."
    ]
    # Usage is billed after its month ends: the as-of month's weeks show subscription revenue only.
    unbilled = [w for w in weeks if not num(w["usage_revenue_amount"])]
    if unbilled and len(unbilled) < len(weeks) and weeks[-1] in unbilled:
        first_unbilled = min(
            w["week_start_date"]
            for w in unbilled
            if all(
                not num(x["usage_revenue_amount"])
                for x in weeks
                if x["week_start_date"] >= w["week_start_date"]
            )
        )
        notes.append(
            f"Usage revenue is billed after its month closes: the weeks from {fmt_day(first_unbilled)} carry "
            "subscription revenue only, so their total reads low until that usage is invoiced."
        )
    empty = None if chart.marks else "No weekly O2R data to chart."
    return Section(
        "o2r",
        "O2R: reliability against usage and revenue",
        headline,
        sources,
        chart if chart.marks else None,
        tables,
        notes,
        empty=empty,
    )


BUILDERS: dict[str, Callable[[dict[str, list[dict[str, Any]]], WarehouseStatus], Section]] = {
    "channel-economics": build_channel_economics,
    "funnel": build_funnel,
    "leaks": build_leaks,
    "efficiency": build_efficiency,
    "pipeline-health": build_pipeline_health,
    "outreach": build_outreach,
    "attribution": build_attribution,
    "arr-retention": build_arr,
    "o2r": build_o2r,
}
SECTION_IDS = tuple(BUILDERS)


# ---------------------------------------------------------------------------------------------------------
# HTML


CSS = """
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --paper: #ffffff; --bg: #f1f5f9;
  --accent: #2563eb; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1120px; margin: 0 auto; padding: 32px 28px 64px; }
header.masthead h1 { font-size: 30px; letter-spacing: -0.02em; margin: 0 0 6px; }
header.masthead .lede { color: var(--muted); margin: 0 0 14px; font-size: 16px; }
dl.status { display: flex; flex-wrap: wrap; gap: 8px 22px; margin: 0 0 18px; font-size: 13.5px; }
dl.status div { display: flex; gap: 6px; }
dl.status dt { color: var(--muted); }
dl.status dd { margin: 0; font-weight: 600; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 26px; }
nav.toc a { text-decoration: none; color: var(--ink); background: var(--paper); border: 1px solid var(--line);
  padding: 4px 11px; border-radius: 999px; font-size: 13px; }
nav.toc a:hover { border-color: var(--accent); color: var(--accent); }
section.report-section { background: var(--paper); border: 1px solid var(--line); border-radius: 12px;
  padding: 22px 26px 16px; margin: 0 0 22px; }
section.report-section h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.08em;
  color: var(--muted); margin: 0 0 6px; }
p.headline { font-size: 20px; line-height: 1.4; margin: 0 0 16px; letter-spacing: -0.01em; }
p.headline strong.figure { color: var(--accent); font-weight: 700; white-space: nowrap; }
figure.chart-wrap { margin: 0 0 14px; }
svg.chart { width: 100%; height: auto; display: block; font-size: 12px; }
svg.chart text { fill: #334155; }
svg.chart .panel-title { font-weight: 600; font-size: 13px; fill: var(--ink); }
svg.chart .legend { font-size: 12px; }
svg.chart .bar-label { font-size: 12.5px; }
svg.chart .strong { font-weight: 700; fill: var(--ink); }
svg.chart .value { font-size: 11.5px; fill: #475569; font-variant-numeric: tabular-nums; }
svg.chart .in-bar { font-size: 11px; fill: #ffffff; font-weight: 600; }
svg.chart .tick, svg.chart .axis-label { font-size: 11px; fill: var(--muted); }
svg.chart .grid { stroke: #eef2f7; stroke-width: 1; }
svg.chart .axis { stroke: #94a3b8; stroke-width: 1; }
svg.chart .connector { stroke: #94a3b8; stroke-width: 1; stroke-dasharray: 3 3; }
svg.chart .series { fill: none; stroke-width: 2.2; stroke-linejoin: round; }
svg.chart .mark.alert { stroke: #dc2626; stroke-width: 2.5; fill-opacity: 0.9; }
svg.chart .mark.clipped { stroke-width: 2; }
svg.chart rect.mark:hover, svg.chart circle.mark:hover { opacity: 0.8; }
.table-wrap { overflow-x: auto; margin: 0 0 14px; }
table { border-collapse: collapse; width: auto; min-width: 60%; font-size: 13px;
  font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; font-size: 13px; padding: 0 0 6px; color: var(--ink); }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td { white-space: nowrap; }
td.wrap { white-space: normal; min-width: 14em; }
th { font-weight: 600; color: var(--muted); font-size: 12px; background: #f8fafc; vertical-align: bottom;
  max-width: 9em; }
td.num, th.num { text-align: right; }
tbody tr:nth-child(even) td { background: #fbfcfe; }
span.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 7px;
  vertical-align: baseline; }
p.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 6px; max-width: 900px; }
p.empty { background: #f8fafc; border: 1px dashed var(--line); padding: 14px; border-radius: 8px;
  color: var(--muted); }
p.meta { color: #94a3b8; font-size: 11.5px; margin: 8px 0 0; border-top: 1px solid var(--line);
  padding-top: 8px; }
footer.colophon { color: var(--muted); font-size: 12px; margin-top: 28px; }
@media print {
  body { background: #ffffff; font-size: 12px; }
  .page { max-width: none; padding: 0; }
  nav.toc { display: none; }
  section.report-section { border: none; border-radius: 0; padding: 0; margin: 0;
    break-before: page; }
  section.report-section:first-of-type { break-before: auto; }
  figure.chart-wrap, tr { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  p.headline strong.figure { color: var(--ink); }
}
@page { margin: 14mm; }
"""


def _figure_html(f: Figure) -> str:
    value = num(f.value)
    raw = "" if f.value is None else (repr(value) if value is not None else str(f.value))
    return f'<strong class="figure" data-figure="{e(f.key)}" data-value="{e(raw)}">{e(f.text)}</strong>'


def _cell_html(cell: Any) -> str:
    if isinstance(cell, tuple):
        text, color = cell
        return f'<span class="swatch" style="background:{e(color)}"></span>{e(text)}'
    return e(cell)


def table_html(table: Table) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if i >= table.numeric_from else ""}>{e(c)}</th>'
        for i, c in enumerate(table.columns)
    )

    def cls(i: int) -> str:
        return " class=num" if i >= table.numeric_from else " class=wrap" if i in table.wrap else ""

    if table.rows:
        body = "".join(
            "<tr>" + "".join(f"<td{cls(i)}>{_cell_html(c)}</td>" for i, c in enumerate(row)) + "</tr>"
            for row in table.rows
        )
    else:
        body = f'<tr><td colspan="{len(table.columns)}">{e(table.empty)}</td></tr>'
    return (
        f'<div class="table-wrap"><table><caption>{e(table.caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def section_html(section: Section, status: WarehouseStatus, schema: str) -> str:
    headline = "".join(_figure_html(p) if isinstance(p, Figure) else e(p) for p in section.headline)
    parts = [
        f'<section id="{e(section.id)}" class="report-section" data-section="{e(section.id)}">',
        f"<h2>{e(section.title)}</h2>",
        f'<p class="headline">{headline}</p>',
    ]
    if section.chart is not None:
        parts.append(f'<figure class="chart-wrap">{section.chart.svg()}</figure>')
    if section.empty:
        parts.append(f'<p class="empty">{e(section.empty)}</p>')
    parts += [table_html(t) for t in section.tables]
    parts += [f'<p class="note">{e(n)}</p>' for n in section.notes]
    sources = ", ".join(f"{schema}.{s}" for s in section.sources)
    parts.append(
        f'<p class="meta">As of {e(fmt_day(status.as_of_date))} · {e(status.scale_label)} · '
        f"source: {e(sources)}</p>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def render_sections(data: ReportData) -> list[Section]:
    return [BUILDERS[key](data.sections[key], data.status) for key in SECTION_IDS if key in data.sections]


def render_html(data: ReportData) -> str:
    status = data.status
    sections = render_sections(data)
    facts = [
        ("As of", fmt_day(status.as_of_date)),
        ("Data", status.scale_label),
        ("History from", fmt_day(status.history_start_date)),
        ("Last load", fmt_utc(status.last_loaded_at)),
        ("Marts built", fmt_utc(status.built_at)),
        ("Report generated", fmt_utc(data.generated_at)),
    ]
    status_html = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in facts)
    nav = "".join(f'<a href="#{e(s.id)}">{e(s.title)}</a>' for s in sections)
    body = "\n".join(section_html(s, status, data.schema) for s in sections)
    title = f"GTM brief · as of {fmt_day(status.as_of_date)}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="gtm report">
<title>{e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<div class="page">
<header class="masthead">
<h1>GTM brief</h1>
<p class="lede">Channel economics, the funnel and its leaks, pipeline health, attribution, revenue and
reliability: one page, read from the warehouse marts.</p>
<dl class="status">{status_html}</dl>
<nav class="toc" aria-label="Sections">{nav}</nav>
</header>
<main>
{body}
</main>
<footer class="colophon">Read as bi_reader from schema {e(data.schema)}. Every figure comes from the marts
named under its section; open this file anywhere, it needs no network.</footer>
</div>
</body>
</html>
"""


# ---------------------------------------------------------------------------------------------------------
# Entry point


def connect_bi_reader() -> psycopg.Connection:
    settings = load_settings()
    try:
        conn = psycopg.connect(settings.url(settings.bi_reader), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise ReportError(
            f"cannot connect to the warehouse at {settings.host}:{settings.port} as "
            f"{settings.bi_reader.user}: {str(exc).strip()}"
        ) from exc
    conn.read_only = True
    return conn


def write_report(out: Path | None = None, target: str | None = None) -> Path:
    """Read every section as bi_reader from the target's marts, write the HTML, return its absolute path."""
    import os

    from gtm.outputs.summary import layer_schema

    target = target or os.environ.get("DBT_TARGET", "prod")
    schema = layer_schema("marts", target)
    with connect_bi_reader() as conn:
        data = load(conn, schema)
    page = render_html(data)
    path = Path(out or DEFAULT_OUT).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path

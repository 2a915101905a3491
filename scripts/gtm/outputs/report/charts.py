"""Inline SVG charts drawn in Python. Every data mark carries class="mark" and a <title> tooltip; the chart
counts them (data-points)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gtm.outputs.report.style import GAIN_COLOR, LOSS_COLOR, TOTAL_COLOR, e, fmt_pct, fmt_tick_money, num

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

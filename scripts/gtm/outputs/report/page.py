"""The page model (figures, tables, sections, the warehouse status) and its HTML: every value escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from gtm.outputs.report.charts import Chart
from gtm.outputs.report.style import e, fmt_day, num

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

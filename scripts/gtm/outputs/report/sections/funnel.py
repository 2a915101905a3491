"""Section: the funnel by channel (seed 000)."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Seg
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _join, _swatch
from gtm.outputs.report.style import DASH, channel_color, channel_sort_key, fmt_count, fmt_pct, num


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

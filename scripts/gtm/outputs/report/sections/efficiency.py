"""Section: monthly channel efficiency (seed 000)."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Series
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _channels, _join
from gtm.outputs.report.style import (
    DASH,
    LOSS_COLOR,
    channel_color,
    fmt_count,
    fmt_money,
    fmt_month,
    fmt_tick_money,
    num,
)


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

"""Section: channel economics (seed 000): CAC, LTV and payback by channel."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Series
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _join, _swatch
from gtm.outputs.report.style import (
    DASH,
    TIMES,
    channel_color,
    channel_sort_key,
    fmt_count,
    fmt_decimal,
    fmt_money,
    fmt_month,
    fmt_pct,
    fmt_ratio,
    fmt_tick_money,
    num,
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

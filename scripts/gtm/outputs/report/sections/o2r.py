"""Section: the O2R panel (seed 003): revenue, reliability and the lead-lag effect."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Series
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _swatch
from gtm.outputs.report.style import (
    DASH,
    EXPOSURE_COLORS,
    OTHER_COLOR,
    REVENUE_COLOR,
    SUBSCRIPTION_COLOR,
    fmt_count,
    fmt_day,
    fmt_decimal,
    fmt_money,
    fmt_pct,
    fmt_points,
    fmt_signed_pct,
    fmt_tick_money,
    fmt_tick_pct,
    num,
)


def load_lead_lag(m: Marts) -> list[dict[str, Any]]:
    """The lead-lag table (can legitimately be empty); the CLI headline prints it too."""
    return m.rows(
        "select horizon_weeks, exposure_group, observation_count, account_count, usage_change_rate, "
        "contraction_rate, churn_rate, contraction_or_churn_rate, "
        "contraction_or_churn_rate_vs_unexposed, usage_change_rate_vs_unexposed from {t} "
        "order by horizon_weeks, exposure_group",
        t="rpt_o2r_lead_lag",
    )


def load_o2r(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "lead_lag": load_lead_lag(m),
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

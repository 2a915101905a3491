"""Section: ARR bridge and retention (seed 002)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from gtm.outputs.report.charts import Chart
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.style import TIMES, fmt_count, fmt_money, fmt_month, fmt_pct, num


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

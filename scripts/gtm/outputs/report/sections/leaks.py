"""Section: the three leaks (seed 000): where pipeline is lost."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Seg
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _channels, _swatch
from gtm.outputs.report.style import (
    DASH,
    LEAK_COLORS,
    OTHER_COLOR,
    channel_color,
    fmt_count,
    fmt_decimal,
    fmt_money,
    fmt_pct,
    num,
)
from gtm.transform.project import pipeline_leaks

# Seed 000's three leaks, defined once in dbt (var pipeline_leaks; ops_pipeline_health.pipeline_leak).
LEAKS = {leak["leak"]: leak for leak in pipeline_leaks()}
LEAK_1_REASONS = tuple(LEAKS[1]["lost_reasons"])
LEAK_2_REASONS = tuple(LEAKS[2]["lost_reasons"])
LEAK_3_STATUS = LEAKS[3]["lead_status"]


def load_leaks(m: Marts) -> dict[str, list[dict[str, Any]]]:
    return {
        "loss_reasons": m.mart_rows(
            "select lost_reason, loss_category, lost_count, share_of_losses, inbound_lost_count, "
            "outbound_lost_count, avg_days_to_close, lost_annual_value_amount from {t} "
            "order by loss_rank, lost_reason",
            "rpt_loss_reasons",
        ),
        "lead_status": m.mart_rows(
            "select lead_status, channel, lead_count from {t} order by lead_status, channel",
            "rpt_lead_status_distribution",
        ),
        # The leaks as they stand today, in the live pipeline (can legitimately be empty).
        "live": m.rows(
            "select pipeline_leak as leak, count(*) as records, "
            "sum(forecasted_annual_revenue_amount) as forecasted_annual_revenue "
            "from {t} where pipeline_leak is not null group by pipeline_leak order by pipeline_leak",
            t="ops_pipeline_health",
        ),
    }


def _leak_of_reason(reason: str) -> int | None:
    if reason in LEAK_1_REASONS:
        return 1
    if reason in LEAK_2_REASONS:
        return 2
    return None


def build_leaks(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    reasons = data["loss_reasons"]
    all_lost = sum(num(r["lost_count"]) or 0 for r in reasons)
    leak = {1: {"count": 0.0, "value": 0.0}, 2: {"count": 0.0, "value": 0.0}}
    for r in reasons:
        k = _leak_of_reason(r["lost_reason"])
        if k:
            leak[k]["count"] += num(r["lost_count"]) or 0
            leak[k]["value"] += num(r["lost_annual_value_amount"]) or 0
    by_status: dict[str, dict[str, float]] = {}
    for r in data["lead_status"]:
        by_status.setdefault(r["lead_status"], {})[r["channel"]] = num(r["lead_count"]) or 0
    all_leads = sum(sum(v.values()) for v in by_status.values())
    working = sum(by_status.get(LEAK_3_STATUS, {}).values())
    share = {k: (leak[k]["count"] / all_lost if all_lost else None) for k in (1, 2)}
    working_share = working / all_leads if all_leads else None
    live = {int(r["leak"]): r for r in data["live"]}

    headline: list[str | Figure] = [
        "Demo no-shows cause ",
        Figure(fmt_pct(share[1]), "leak1_share_of_losses", share[1]),
        " of lost deals and post-demo silence another ",
        Figure(fmt_pct(share[2]), "leak2_share_of_losses", share[2]),
        "; ",
        Figure(fmt_pct(working_share), "leak3_share_of_leads", working_share),
        f" of all leads ({fmt_count(working)}) sit in Working.",
    ]

    chart = Chart("Closed-lost reasons and lead statuses, the three leaks highlighted")
    chart.panel_title("Why deals are lost (closed-lost opportunities)")
    chart.legend(
        [
            ("Leak 1: demo no-show", LEAK_COLORS[1]),
            ("Leak 2: post-demo silence", LEAK_COLORS[2]),
            ("Other reasons", OTHER_COLOR),
        ]
    )
    chart.stacked_hbars(
        [
            (
                r["lost_reason"],
                [
                    Seg(
                        "lost deals",
                        num(r["lost_count"]),
                        LEAK_COLORS.get(_leak_of_reason(r["lost_reason"]) or 0, OTHER_COLOR),
                    )
                ],
            )
            for r in reasons
        ],
        lambda v: f"{fmt_count(v)} ({fmt_pct(v / all_lost if all_lost else None)})",
    )
    chart.gap(14)
    chart.panel_title("Where every lead stands (leak 3: the Working graveyard)")
    channels = _channels(data["lead_status"])
    chart.legend([*((c, channel_color(c)) for c in channels), ("Leak 3: stuck in Working", LEAK_COLORS[3])])
    statuses = sorted(by_status, key=lambda s: -sum(by_status[s].values()))
    chart.stacked_hbars(
        [(s, [Seg(c, by_status[s].get(c), channel_color(c)) for c in channels]) for s in statuses],
        lambda v: f"{fmt_count(v)} ({fmt_pct(v / all_leads if all_leads else None)})",
        emphasize=[LEAK_3_STATUS],
        outline=LEAK_COLORS[3],
    )

    def live_cells(k: int) -> list[str]:
        row = live.get(k)
        return [
            fmt_count(row["records"] if row else 0),
            fmt_money(row["forecasted_annual_revenue"] if row else 0),
        ]

    leaks_table = Table(
        "The three leaks: what they cost, and what sits in the live pipeline today",
        [
            "Leak",
            "Definition",
            "Deals / leads",
            "Share",
            "Annual value lost",
            "Live records now",
            "Live forecasted annual revenue",
        ],
        [
            [
                _swatch("1. Demo no-shows", LEAK_COLORS[1]),
                "closed lost: " + ", ".join(LEAK_1_REASONS),
                fmt_count(leak[1]["count"]),
                fmt_pct(share[1]) + " of losses",
                fmt_money(leak[1]["value"]),
                *live_cells(1),
            ],
            [
                _swatch("2. Post-demo silence", LEAK_COLORS[2]),
                "closed lost: " + ", ".join(LEAK_2_REASONS),
                fmt_count(leak[2]["count"]),
                fmt_pct(share[2]) + " of losses",
                fmt_money(leak[2]["value"]),
                *live_cells(2),
            ],
            [
                _swatch("3. Working-lead graveyard", LEAK_COLORS[3]),
                "lead status Working",
                fmt_count(working),
                fmt_pct(working_share) + " of leads",
                DASH,
                *live_cells(3),
            ],
        ],
        numeric_from=2,
        wrap=(1,),
    )
    reasons_table = Table(
        "Closed-lost reasons",
        [
            "Reason",
            "Category",
            "Lost deals",
            "Share of losses",
            "Inbound",
            "Outbound",
            "Days to close",
            "Annual value lost",
        ],
        [
            [
                _swatch(
                    r["lost_reason"], LEAK_COLORS.get(_leak_of_reason(r["lost_reason"]) or 0, OTHER_COLOR)
                ),
                r["loss_category"],
                fmt_count(r["lost_count"]),
                fmt_pct(r["share_of_losses"]),
                fmt_count(r["inbound_lost_count"]),
                fmt_count(r["outbound_lost_count"]),
                fmt_decimal(r["avg_days_to_close"]),
                fmt_money(r["lost_annual_value_amount"]),
            ]
            for r in reasons
        ],
        numeric_from=2,
    )
    status_table = Table(
        "Leads by status",
        ["Status", *channels, "All leads", "Share of leads"],
        [
            [
                s,
                *(fmt_count(by_status[s].get(c, 0)) for c in channels),
                fmt_count(sum(by_status[s].values())),
                fmt_pct(sum(by_status[s].values()) / all_leads if all_leads else None),
            ]
            for s in statuses
        ],
    )
    return Section(
        "leaks",
        "The three leaks",
        headline,
        ("rpt_loss_reasons", "rpt_lead_status_distribution", "ops_pipeline_health"),
        chart,
        [leaks_table, reasons_table, status_table],
        [
            "Live records now: open opportunities without a held demo (leak 1), demo-held opportunities past "
            "Fresh, i.e. in the post-demo danger zone (leak 2), and Stale working leads (leak 3)."
        ],
    )

"""Section: the outreach action queue (seed 000)."""

from __future__ import annotations

from typing import Any

from gtm.outputs.report.charts import Chart, Seg
from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Figure, Section, Table, WarehouseStatus
from gtm.outputs.report.sections.common import _channels, _swatch
from gtm.outputs.report.style import DASH, STATUS_ORDER, channel_color, fmt_count, fmt_money, num


def load_outreach(m: Marts) -> dict[str, list[dict[str, Any]]]:
    t = "rpt_lead_outreach_priority"
    return {
        "statuses": m.rows(
            "select dashboard_status, channel, count(*) as leads, "
            "sum(predicted_monthly_value_amount) as predicted_monthly_value, "
            "sum(case when is_high_value_urgent then 1 else 0 end) as high_value_urgent "
            "from {t} group by 1, 2 order by 1, 2",
            t=t,
        ),
        "queue": m.rows(
            "select queue_position, lead_id, channel, lead_source, outreach_priority, dashboard_status, "
            "predicted_sales_tier, minutes_waiting_without_contact, response_delay_minutes, "
            "predicted_monthly_value_amount from {t} order by queue_position limit 20",
            t=t,
        ),
    }


def build_outreach(data: dict[str, list[dict[str, Any]]], status: WarehouseStatus) -> Section:
    rows = data["statuses"]
    sources = ("rpt_lead_outreach_priority",)
    if not rows:
        return Section(
            "outreach",
            "Outreach action queue",
            ["No open lead is waiting for outreach."],
            sources,
            empty="No lead is in status New or Working, so the queue is empty.",
        )
    channels = _channels(rows)
    per: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        per.setdefault(r["dashboard_status"], {})[r["channel"]] = r
    statuses = [s for s in STATUS_ORDER if s in per] + sorted(s for s in per if s not in STATUS_ORDER)

    def total(s: str, key: str) -> float:
        return sum(num(r[key]) or 0 for r in per.get(s, {}).values())

    action = total("ACTION REQUIRED", "leads")
    urgent = total("ACTION REQUIRED", "high_value_urgent")
    headline: list[str | Figure] = [
        Figure(fmt_count(action), "action_required", action),
        " leads are waiting for a first touch inside the 72-hour window (",
        Figure(fmt_count(urgent), "high_value_urgent", urgent),
        " of them high-value); ",
        Figure(fmt_count(total("RE-ENGAGE", "leads")), "re_engage", total("RE-ENGAGE", "leads")),
        " were reached late and need re-engaging, ",
        Figure(fmt_count(total("EXPIRED", "leads")), "expired", total("EXPIRED", "leads")),
        " have expired to nurture.",
    ]
    chart = Chart("Open leads by outreach status and channel")
    chart.legend((c, channel_color(c)) for c in channels)
    chart.stacked_hbars(
        [
            (s, [Seg(c, num((per[s].get(c) or {}).get("leads")), channel_color(c)) for c in channels])
            for s in statuses
        ],
        lambda v: f"{fmt_count(v)} leads",
        emphasize=["ACTION REQUIRED"],
    )
    status_table = Table(
        "Open leads by outreach status",
        ["Status", *channels, "All", "Predicted monthly value", "High-value urgent"],
        [
            [
                s,
                *(fmt_count((per[s].get(c) or {}).get("leads") or 0) for c in channels),
                fmt_count(total(s, "leads")),
                fmt_money(total(s, "predicted_monthly_value")),
                fmt_count(total(s, "high_value_urgent")),
            ]
            for s in statuses
        ],
    )

    def waited(r: dict[str, Any]) -> str:
        minutes = num(r["minutes_waiting_without_contact"])
        if minutes is not None:
            return f"waiting {minutes / 60:,.1f} h"
        delay = num(r["response_delay_minutes"])
        return f"reached after {delay / 60:,.1f} h" if delay is not None else DASH

    queue_table = Table(
        "Top of the morning queue (act from the top)",
        [
            "#",
            "Lead",
            "Channel",
            "Source",
            "Priority",
            "Status",
            "Predicted tier",
            "Clock",
            "Predicted monthly value",
        ],
        [
            [
                fmt_count(r["queue_position"]),
                r["lead_id"],
                _swatch(r["channel"], channel_color(r["channel"])),
                r["lead_source"] or DASH,
                r["outreach_priority"],
                r["dashboard_status"],
                r["predicted_sales_tier"] or DASH,
                waited(r),
                fmt_money(r["predicted_monthly_value_amount"]),
            ]
            for r in data["queue"]
        ],
        numeric_from=8,
    )
    return Section(
        "outreach",
        "Outreach action queue",
        headline,
        sources,
        chart,
        [status_table, queue_table],
        [
            "ACTION REQUIRED: never contacted, still inside the 72-hour window. RE-ENGAGE: first contact "
            "came late. MONITOR: contacted within a day, follow up. EXPIRED: past 72 hours without contact "
            "or long cold, move to nurture."
        ],
    )

"""Colours (one per channel, health status, exposure group, everywhere) and number formats (plain
strings; escaping happens when HTML is written)."""

from __future__ import annotations

import html
import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

# ---------------------------------------------------------------------------------------------------------
# Colours: one per acquisition channel, attribution channel, health status and exposure group, everywhere.

CHANNEL_COLORS = {
    "Inbound": "#2563eb",
    "Outbound": "#ea580c",
    "Existing Customer": "#0d9488",
    "Unknown": "#94a3b8",
}
CHANNEL_ORDER = tuple(CHANNEL_COLORS)
# Attribution channels: Outbound keeps the Outbound colour; the marketing channels are shades of the inbound
# family; Unattributed is neutral.
ATTRIBUTION_COLORS = {
    "Website": "#1d4ed8",
    "Paid Search": "#3b82f6",
    "Paid Social": "#7c3aed",
    "Webinar": "#0891b2",
    "Event": "#14b8a6",
    "Email": "#a855f7",
    "Outbound": CHANNEL_COLORS["Outbound"],
    "Unattributed": "#cbd5e1",
}
EXTRA_COLORS = ("#64748b", "#0f766e", "#be185d", "#854d0e", "#4d7c0f")
HEALTH_COLORS = {
    "Fresh": "#16a34a",
    "Active": "#16a34a",
    "Maturing": "#f59e0b",
    "Aging": "#f97316",
    "Stalled": "#dc2626",
    "Stale": "#dc2626",
}
HEALTH_ORDER = ("Fresh", "Active", "Maturing", "Aging", "Stalled", "Stale")
LEAK_COLORS = {1: "#dc2626", 2: "#f59e0b", 3: "#7c3aed"}
OTHER_COLOR = "#cbd5e1"
EXPOSURE_COLORS = {"exposed": "#dc2626", "unexposed": "#64748b"}
REVENUE_COLOR = "#0f766e"
SUBSCRIPTION_COLOR = "#5eead4"
TOTAL_COLOR = "#334155"
GAIN_COLOR = "#16a34a"
LOSS_COLOR = "#dc2626"
STATUS_ORDER = ("ACTION REQUIRED", "RE-ENGAGE", "MONITOR", "EXPIRED", "DATA QUALITY")
DEMO_ORDER = ("Demo Held", "Demo Scheduled - Not Held", "No Demo Scheduled")


def channel_color(name: str) -> str:
    return CHANNEL_COLORS.get(name) or _fallback_color(name)


def attribution_color(name: str) -> str:
    return ATTRIBUTION_COLORS.get(name) or _fallback_color(name)


def _fallback_color(name: str) -> str:
    return EXTRA_COLORS[sum(map(ord, str(name))) % len(EXTRA_COLORS)]


def channel_sort_key(name: str) -> tuple[int, str]:
    return (CHANNEL_ORDER.index(name) if name in CHANNEL_ORDER else len(CHANNEL_ORDER), str(name))


# ---------------------------------------------------------------------------------------------------------
# Formatting (plain strings; escaping happens when HTML is written).

DASH = "\u2013"  # en dash: no value
TIMES = "\u00d7"


def num(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        result = float(value)
        return None if math.isnan(result) else result
    return None


def fmt_money(value: Any, compact: bool = False) -> str:
    v = num(value)
    if v is None:
        return DASH
    sign = "-" if v < 0 else ""
    a = abs(v)
    if compact and a >= 1e6:
        return f"{sign}${a / 1e6:,.1f}M"
    if compact and a >= 1e4:
        return f"{sign}${a / 1e3:,.0f}K"
    return f"{sign}${a:,.0f}"


def fmt_count(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v:,.0f}"


def fmt_pct(value: Any, digits: int = 1) -> str:
    v = num(value)
    return DASH if v is None else f"{v * 100:.{digits}f}%"


def fmt_ratio(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v:.1f}x"


def fmt_points(value: Any) -> str:
    v = num(value)
    return DASH if v is None else f"{v * 100:+.1f} pts"


def fmt_signed_pct(value: Any) -> str:
    v = num(value)
    if v is None:
        return DASH
    return "0.0%" if abs(v) < 0.0005 else f"{v * 100:+.1f}%"


def fmt_decimal(value: Any, digits: int = 1) -> str:
    v = num(value)
    return DASH if v is None else f"{v:,.{digits}f}"


def fmt_month(value: date | None) -> str:
    return DASH if value is None else f"{value:%b %Y}"


def fmt_day(value: date | datetime | None) -> str:
    return DASH if value is None else f"{value:%-d %b %Y}"


def fmt_utc(value: datetime | None) -> str:
    """A timestamp in UTC (naive ones, like dbt's run_started_at, already are)."""
    if value is None:
        return DASH
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value:%Y-%m-%d %H:%M} UTC"


def fmt_tick_money(value: float) -> str:
    a = abs(value)
    sign = "-" if value < 0 else ""
    if a >= 1e6:
        return f"{sign}${a / 1e6:g}M"
    if a >= 1e3:
        return f"{sign}${a / 1e3:g}K"
    return f"{sign}${a:g}"


def fmt_tick_pct(value: float) -> str:
    return f"{value * 100:g}%"


def e(value: Any) -> str:
    """HTML-escape anything (mart values can hold markup or formula text)."""
    return html.escape("" if value is None else str(value), quote=True)

"""Helpers shared by the section builders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from gtm.outputs.report.page import Figure
from gtm.outputs.report.style import channel_sort_key

# ---------------------------------------------------------------------------------------------------------
# Sections: rows in, Section out. Every builder copes with the rows a real build can produce.


def _channels(rows: Iterable[dict[str, Any]]) -> list[str]:
    return sorted({r["channel"] for r in rows}, key=channel_sort_key)


def _swatch(text: str, color: str) -> tuple[str, str]:
    return (text, color)


def _join(parts: Sequence[list[str | Figure]]) -> list[str | Figure]:
    out: list[str | Figure] = []
    for i, part in enumerate(parts):
        if i:
            out.append(" and " if i == len(parts) - 1 else ", ")
        out.extend(part)
    return out

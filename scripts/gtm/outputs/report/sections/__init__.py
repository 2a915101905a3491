"""The brief's sections, in page order: each module reads its marts (`load`) and builds its section
(`build`). A new section is a module here plus one line in SECTIONS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gtm.outputs.report.marts import Marts
from gtm.outputs.report.page import Section, WarehouseStatus
from gtm.outputs.report.sections.arr import build_arr, load_arr
from gtm.outputs.report.sections.attribution import build_attribution, load_attribution
from gtm.outputs.report.sections.channel_economics import build_channel_economics, load_channel_economics
from gtm.outputs.report.sections.efficiency import build_efficiency, load_efficiency
from gtm.outputs.report.sections.funnel import build_funnel, load_funnel
from gtm.outputs.report.sections.leaks import build_leaks, load_leaks
from gtm.outputs.report.sections.o2r import build_o2r, load_o2r
from gtm.outputs.report.sections.outreach import build_outreach, load_outreach
from gtm.outputs.report.sections.pipeline_health import build_pipeline_health, load_pipeline_health

LOADERS: dict[str, Callable[[Marts], dict[str, list[dict[str, Any]]]]] = {
    "channel-economics": load_channel_economics,
    "funnel": load_funnel,
    "leaks": load_leaks,
    "efficiency": load_efficiency,
    "pipeline-health": load_pipeline_health,
    "outreach": load_outreach,
    "attribution": load_attribution,
    "arr-retention": load_arr,
    "o2r": load_o2r,
}


BUILDERS: dict[str, Callable[[dict[str, list[dict[str, Any]]], WarehouseStatus], Section]] = {
    "channel-economics": build_channel_economics,
    "funnel": build_funnel,
    "leaks": build_leaks,
    "efficiency": build_efficiency,
    "pipeline-health": build_pipeline_health,
    "outreach": build_outreach,
    "attribution": build_attribution,
    "arr-retention": build_arr,
    "o2r": build_o2r,
}
SECTION_IDS = tuple(BUILDERS)

"""Facts of the dbt project that Python needs too, read from dbt/dbt_project.yml so there is one source."""

from __future__ import annotations

import functools
from typing import Any

import yaml

from gtm.settings import DBT_PROJECT_DIR


@functools.cache
def project_config() -> dict[str, Any]:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())


def project_name() -> str:
    return project_config()["name"]


def project_var(name: str) -> Any:
    """A project-level var's default (what a build uses unless --vars overrides it)."""
    return project_config()["vars"][name]


def attribution_models() -> dict[str, str]:
    """model name -> display name, in report order (var attribution_models; macros/attribution.sql)."""
    return dict(project_var("attribution_models"))


def pipeline_leaks() -> list[dict[str, Any]]:
    """Seed 000's three leaks (var pipeline_leaks): number, name, and the closed-lost reasons or lead status
    that define each."""
    return [dict(leak) for leak in project_var("pipeline_leaks")]

"""dbt's schema naming, mirrored once for Python (the CLI summary, the report, the DAGs).

`profile_schema` is the schema profiles.yml gives a target (its env var, else its default); `layer_schema` is
macros/generate_schema_name.sql: the target schema prefixes each layer's schema, except "public" (prod),
which means no prefix. Bronze is shared by every target. tests/test_dbt_project.py checks both against the
manifest dbt writes."""

from __future__ import annotations

import os
from collections.abc import Mapping

# target -> (environment variable, default): the `schema:` lines of dbt/profiles.yml.
PROFILE_SCHEMAS = {
    "dev": ("DBT_DEV_SCHEMA", "dev"),
    "ci": ("DBT_CI_SCHEMA", "ci"),
    "prod": ("DBT_PROD_SCHEMA", "public"),
}
SHARED_SCHEMAS = ("bronze",)


def profile_schema(target: str, env: Mapping[str, str] | None = None) -> str:
    """The schema profiles.yml gives ``target`` (unknown targets read like prod)."""
    env = os.environ if env is None else env
    variable, default = PROFILE_SCHEMAS.get(target, PROFILE_SCHEMAS["prod"])
    return env.get(variable, default).strip()


def layer_schema(layer: str, target_schema: str) -> str:
    """The schema dbt builds ``layer`` in when the target's schema is ``target_schema``."""
    if layer in SHARED_SCHEMAS:
        return layer
    prefix = target_schema.strip()
    return layer if prefix in ("", "public") else f"{prefix}_{layer}"


def target_layer_schema(layer: str, target: str) -> str:
    """``layer``'s schema for a profiles.yml target, as `gtm build --target` builds it."""
    return layer_schema(layer, profile_schema(target))

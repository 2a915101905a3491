"""Settings shared by every Airflow DAG of this project (kept out of the DAG folder so it is not parsed
as a DAG file, and importable in the docker image where the project is installed)."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from gtm.dbt_runner import installed_packages
from gtm.settings import DBT_PROJECT_DIR

WAREHOUSE_CONN_ID = "gtm_warehouse"
DBT_PROFILE_NAME = "gtm_warehouse"
DBT_PROJECT_NAME = "gtm_warehouse"
OWNER = "analytics-engineering"

log = logging.getLogger(__name__)


def dbt_project_dir() -> Path:
    return Path(os.environ.get("GTM_DBT_PROJECT_DIR", DBT_PROJECT_DIR))


def manifest_path() -> Path:
    """Manifest cosmos renders the task graph from (`gtm dbt parse` writes it)."""
    return Path(os.environ.get("GTM_DBT_MANIFEST", dbt_project_dir() / "target" / "manifest.json"))


def packages_path() -> str:
    """Never runs `dbt deps` at DAG runtime (see dbt_runner.installed_packages)."""
    return str(installed_packages().path)


def dbt_target() -> str:
    return os.environ.get("GTM_DBT_TARGET", "prod")


def schema_prefix(target: str) -> str:
    # Matches profiles.yml: prod builds unprefixed layer schemas ("public" = no prefix).
    return {"prod": "public", "dev": "pipeline_dev", "ci": "ci"}.get(target, target)


def on_failure_alert(context) -> None:
    """Log a one-line summary of the failed task (webhook posting is added with the full DAG set)."""
    ti = context.get("task_instance")
    log.error(
        "GTM pipeline failure: dag=%s task=%s run=%s try=%s",
        getattr(ti, "dag_id", "?"),
        getattr(ti, "task_id", "?"),
        context.get("run_id"),
        getattr(ti, "try_number", "?"),
    )


DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 0,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": on_failure_alert,
}


def cosmos_configs(target: str | None = None):
    """ProjectConfig, ProfileConfig and ExecutionConfig for an in-process (dbtRunner) cosmos run."""
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig
    from cosmos.constants import ExecutionMode, InvocationMode
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    target = target or dbt_target()
    project = ProjectConfig(
        dbt_project_path=dbt_project_dir(),
        manifest_path=manifest_path(),
        project_name=DBT_PROJECT_NAME,
        install_dbt_deps=False,
        env_vars={"DBT_PACKAGES_INSTALL_PATH": packages_path()},
    )
    profile = ProfileConfig(
        profile_name=DBT_PROFILE_NAME,
        target_name=target,
        profile_mapping=PostgresUserPasswordProfileMapping(
            conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": schema_prefix(target)}
        ),
    )
    execution = ExecutionConfig(execution_mode=ExecutionMode.LOCAL, invocation_mode=InvocationMode.DBT_RUNNER)
    return project, profile, execution

"""Settings shared by every Airflow DAG of this project: connection, targets, timeouts, retries, alerting and
the Assets the DAGs exchange. Kept out of the DAG folder so the dag-processor does not parse it as a DAG
file, and importable in the docker image, where the project is installed."""

from __future__ import annotations

import json
import logging
import os
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from gtm.settings import DBT_PROJECT_DIR, gtm_home
from gtm.transform.dbt_runner import installed_packages
from gtm.warehouse.bronze import TABLES

WAREHOUSE_CONN_ID = "gtm_warehouse"
DBT_PROFILE_NAME = "gtm_warehouse"
DBT_PROJECT_NAME = "gtm_warehouse"
OWNER = "analytics-engineering"
# A fixed past date: with catchup off, Airflow only schedules from now on.
START_DATE = datetime(2026, 1, 1)
ALERT_WEBHOOK_ENV = "GTM_ALERT_WEBHOOK_URL"

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


def dbt_select() -> list[str]:
    """`GTM_DBT_SELECT` renders part of the project (development, tests); unset in production."""
    return os.environ.get("GTM_DBT_SELECT", "").split()


def dbt_select_within(scope: str) -> list[str]:
    """The dbt selection of a standalone task limited to ``scope`` (e.g. `resource_type:snapshot`): the part
    of `GTM_DBT_SELECT` inside it, or the whole scope in production."""
    return [f"{selection},{scope}" for selection in dbt_select()] or [scope]


def dbt_threads() -> int:
    """dbt's threads in Airflow, the same as `gtm build` (profiles.yml: `DBT_THREADS`, default 4). Cosmos's
    profile mapping would otherwise run dbt with one thread."""
    return int(os.environ.get("DBT_THREADS", "4"))


def schema_prefix(target: str) -> str:
    # Matches profiles.yml: prod builds unprefixed layer schemas ("public" = no prefix).
    return {"prod": "public", "dev": "pipeline_dev", "ci": "ci"}.get(target, target)


def layer_schema(target: str, layer: str) -> str:
    prefix = schema_prefix(target)
    return layer if prefix == "public" else f"{prefix}_{layer}"


def landing_dir() -> Path:
    """Folder `gtm_ingest` imports CSV exports from (one import per run, moved to processed/ or failed/)."""
    return Path(os.environ.get("GTM_LANDING_DIR", gtm_home() / "landing"))


def production_state_dir() -> Path:
    """Where a successful production build publishes its manifest.json: the state slim CI defers to."""
    return Path(os.environ.get("GTM_PROD_STATE_DIR", gtm_home() / "prod-state"))


def docs_dir() -> Path:
    """Where a successful production build publishes the dbt docs site (static_index.html opens from disk)."""
    return Path(os.environ.get("GTM_DOCS_DIR", gtm_home() / "docs"))


# ---- Assets ------------------------------------------------------------------------------------------------
# Logical URIs, the same in every deployment: producers and consumers meet on the name, not on a host.


def bronze_asset(table: str):
    from airflow.sdk import Asset

    return Asset(name=f"bronze.{table}", uri=f"gtm-warehouse://bronze/{table}", group="bronze")


def bronze_assets() -> list:
    return [bronze_asset(table) for table in sorted(TABLES)]


def mart_asset(model: str):
    from airflow.sdk import Asset

    return Asset(name=f"marts.{model}", uri=f"gtm-warehouse://marts/{model}", group="marts")


# ---- Failure alerts ----------------------------------------------------------------------------------------


def _first_line(error: object) -> str:
    text = str(error or "").strip()
    return text.splitlines()[0][:500] if text else ""


def task_failure_summary(context: dict[str, Any]) -> str:
    """Which task of which DAG and run failed, on which try, with what error, and where its log is."""
    ti = context["task_instance"]
    lines = [
        f"GTM pipeline failure: task {ti.task_id} of DAG {ti.dag_id} failed (try {ti.try_number}).",
        f"Run: {context.get('run_id') or ti.run_id}",
    ]
    error = _first_line(context.get("exception"))
    if error:
        lines.append(f"Error: {error}")
    log_url = getattr(ti, "log_url", None)
    if log_url:
        lines.append(f"Log: {log_url}")
    return "\n".join(lines)


def run_failure_summary(context: dict[str, Any]) -> str:
    """Which DAG run failed, why (a task failed, the run timed out), and which tasks failed."""
    dag_run = context.get("dag_run")
    dag_id = getattr(dag_run, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    lines = [f"GTM pipeline failure: DAG {dag_id} run {getattr(dag_run, 'run_id', '?')} failed."]
    if context.get("reason"):
        lines.append(f"Reason: {context['reason']}")
    try:  # the summary must never fail the callback
        failed = sorted(ti.task_id for ti in dag_run.get_task_instances(state=["failed"]))
    except Exception:
        failed = [context["ti"].task_id] if context.get("ti") is not None else []
    if failed:
        lines.append(f"Failed tasks: {', '.join(failed)}")
    return "\n".join(lines)


def post_webhook(url: str, text: str, timeout: float = 10.0) -> None:
    """POST a Slack-compatible message ({"text": ...}); a broken webhook is logged, never raised."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        log.warning("%s must be an http(s) URL; not posting the failure alert", ALERT_WEBHOOK_ENV)
        return
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except Exception as exc:
        log.warning("Could not post the failure alert to %s: %s", ALERT_WEBHOOK_ENV, exc)


def _alert(text: str) -> None:
    log.error("%s", text)
    url = os.environ.get(ALERT_WEBHOOK_ENV, "").strip()
    if url:
        post_webhook(url, text)


def on_failure_alert(context: dict[str, Any]) -> None:
    """Task failure callback: log the summary, post it to $GTM_ALERT_WEBHOOK_URL when set."""
    _alert(task_failure_summary(context))


def on_run_failure_alert(context: dict[str, Any]) -> None:
    """DAG run failure callback (a failed task, or the run's timeout): the same, for the whole run."""
    _alert(run_failure_summary(context))


# ---- Task defaults -----------------------------------------------------------------------------------------

# Retries are opt-in per task: a dbt model retries (meta.cosmos.operator_kwargs in dbt_project.yml), a data
# test never does (a failing test is a finding, not a hiccup), and neither does a freshness check.
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 0,
    "retry_delay": timedelta(minutes=1),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": on_failure_alert,
}

DAG_DEFAULTS = {
    "start_date": START_DATE,
    "catchup": False,
    "max_active_runs": 1,
    "default_args": DEFAULT_ARGS,
    "on_failure_callback": on_run_failure_alert,
}


def cosmos_configs(target: str | None = None, *, watcher: bool = False, setup_operator_args=None):
    """ProjectConfig, ProfileConfig and ExecutionConfig for an in-process (dbtRunner) cosmos run; with
    ``watcher``, cosmos's watcher mode (one `dbt build` producer, a watching task per node), whose producer
    gets ``setup_operator_args``."""
    from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig
    from cosmos.constants import ExecutionMode, InvocationMode
    from cosmos.profiles import PostgresUserPasswordProfileMapping

    target = target or dbt_target()
    project = ProjectConfig(
        dbt_project_path=dbt_project_dir(),
        manifest_path=manifest_path(),
        project_name=DBT_PROJECT_NAME,
        install_dbt_deps=False,
        # Cosmos copies these into os.environ for good: never put per-run paths here.
        env_vars={"DBT_PACKAGES_INSTALL_PATH": packages_path()},
    )
    profile = ProfileConfig(
        profile_name=DBT_PROFILE_NAME,
        target_name=target,
        profile_mapping=PostgresUserPasswordProfileMapping(
            conn_id=WAREHOUSE_CONN_ID,
            # connect_timeout as in profiles.yml: dbt keeps a partial parse only for the same connection
            # settings (and the same --profile/--target flags, see dbt_runner.run_dbt), so the one a `gtm`
            # command leaves in target/ stays valid for cosmos, and the other way round.
            profile_args={"schema": schema_prefix(target), "threads": dbt_threads(), "connect_timeout": 10},
        ),
    )
    execution = ExecutionConfig(
        execution_mode=ExecutionMode.WATCHER if watcher else ExecutionMode.LOCAL,
        invocation_mode=InvocationMode.DBT_RUNNER,
        setup_operator_args=setup_operator_args,
    )
    return project, profile, execution


def cosmos_cache_dir(identifier: str) -> Path | None:
    """The folder where cosmos keeps dbt's partial parse between the tasks of a task group, `<dag>__<group>`.
    Standalone cosmos operators get none by default and parse the whole project (10-15 s) every time; given
    the group's folder, the first task of a run parses and every later one reuses it."""
    from cosmos import cache, settings

    return cache._obtain_cache_dir_path(identifier) if settings.enable_cache else None


def dbt_operator_args(target: str | None = None, cache_identifier: str | None = None) -> dict[str, Any]:
    """Arguments every standalone cosmos operator needs (the task group gets them from the configs)."""
    project, profile, execution = cosmos_configs(target)
    return {
        "cache_dir": cosmos_cache_dir(cache_identifier) if cache_identifier else None,
        "project_dir": str(project.dbt_project_path),
        "profile_config": profile,
        "invocation_mode": execution.invocation_mode,
        "install_deps": False,
        "env": project.env_vars,
        # Cosmos would emit an Asset per relation it guesses from run_results.json (via OpenLineage), which
        # can be a stale file of another run; the DAGs emit their Assets explicitly instead.
        "emit_datasets": False,
    }


def warehouse_conninfo() -> str:
    """libpq connection string of the `gtm_warehouse` Airflow connection (for the DAGs' Python tasks)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from psycopg.conninfo import make_conninfo

    conn = PostgresHook.get_connection(WAREHOUSE_CONN_ID)
    return make_conninfo(
        host=conn.host, port=conn.port or 5432, dbname=conn.schema, user=conn.login, password=conn.password
    )

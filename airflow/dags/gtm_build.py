"""gtm_build: source freshness gate, then every dbt model with its tests (astronomer-cosmos)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from airflow.sdk import DAG
from cosmos import DbtTaskGroup, RenderConfig
from cosmos.constants import LoadMode, TestBehavior
from cosmos.operators.local import DbtSourceLocalOperator

from gtm.orchestration import DEFAULT_ARGS, cosmos_configs, dbt_project_dir

DOC = """
### GTM warehouse build

1. **source_freshness** runs `dbt source freshness`; a source past its `error_after` threshold fails the
   run before any model is built.
2. **dbt_build** renders the dbt project from its `manifest.json` (`gtm dbt parse` writes it) into one task
   per model, seed and snapshot, each running `dbt build` on that node (the node, then its tests).

`GTM_DBT_SELECT` (dbt selection syntax, e.g. `+rpt_funnel_summary`) renders only part of the project:
for development and for the end-to-end test; unset in production.

Connection: Airflow connection `gtm_warehouse` (`AIRFLOW_CONN_GTM_WAREHOUSE`). dbt runs in-process
(`dbtRunner`) and never runs `dbt deps` at runtime.
"""

project_config, profile_config, execution_config = cosmos_configs()

with DAG(
    dag_id="gtm_build",
    doc_md=DOC,
    schedule="0 2 * * *",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args=DEFAULT_ARGS,
    tags=["gtm", "dbt", "build"],
) as dag:
    source_freshness = DbtSourceLocalOperator(
        task_id="source_freshness",
        project_dir=str(dbt_project_dir()),
        profile_config=profile_config,
        invocation_mode=execution_config.invocation_mode,
        install_deps=False,
        env=project_config.env_vars,
    )

    dbt_build = DbtTaskGroup(
        group_id="dbt_build",
        project_config=project_config,
        profile_config=profile_config,
        execution_config=execution_config,
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            select=os.environ.get("GTM_DBT_SELECT", "").split(),
            # One `dbt build` per node (the node, then its tests): half the tasks and dbt invocations of
            # a separate test task per model, and a failing test still stops everything downstream.
            test_behavior=TestBehavior.BUILD,
            # A test on two nodes (relationships) gets its own task after both, not the first one's build.
            should_detach_multiple_parents_tests=True,
        ),
    )

    source_freshness >> dbt_build

"""Airflow: the DAG folder imports cleanly, and the cosmos build DAG really builds the marts."""

from __future__ import annotations

import psycopg
import pytest

from gtm.dbt_runner import run_dbt
from gtm.orchestration import schema_prefix


def _dagbag():
    from airflow.dag_processing.dagbag import DagBag

    from gtm.settings import AIRFLOW_DAGS_DIR

    return DagBag(dag_folder=str(AIRFLOW_DAGS_DIR))


def test_dag_folder_imports_without_errors(manifest):
    bag = _dagbag()
    assert bag.import_errors == {}
    dag = bag.dags["gtm_build"]
    assert dag.max_active_runs == 1
    assert dag.tags and dag.doc_md
    assert dag.default_args["owner"] == "analytics-engineering"
    task_ids = set(dag.task_dict)
    assert "source_freshness" in task_ids
    # One `dbt build` task per node (the node and its tests), in dependency order.
    assert "dbt_build.rpt_funnel_summary_model_build" in task_ids
    assert "dbt_build.snap_crm__opportunities_snapshot_build" in task_ids
    assert not any(task_id.endswith(".test") for task_id in task_ids)
    stg = dag.task_dict["dbt_build.stg_crm__leads_model_build"]
    assert "dbt_build.base_crm__leads_model_build" in stg.upstream_task_ids
    # Freshness gates every dbt task.
    assert dag.task_dict["dbt_build.lead_sources_seed_build"].upstream_task_ids == {"source_freshness"}


@pytest.mark.slow
def test_build_dag_runs_end_to_end_and_fills_the_mart(
    manifest, airflow_db, generated, warehouse, monkeypatch
):
    # A separate target (schemas pipeline_dev_*) proves the DAG itself built the mart. The whole project is
    # ~150 tasks of a few seconds each under dag.test(); the contact dimension's subgraph (source freshness,
    # base model with its quarantine, staging, mart, each with its tests) exercises the same wiring in a
    # fraction of the suite's time budget.
    monkeypatch.setenv("GTM_DBT_TARGET", "dev")
    monkeypatch.setenv("GTM_DBT_SELECT", "+dim_contact")
    # cosmos still renders detached two-parent tests of models outside the selection (e.g. a relationships
    # test of stg_support__tickets): build the rest of the target first so those tests have their tables.
    monkeypatch.setenv("DBT_DEV_SCHEMA", schema_prefix("dev"))
    nodes = ["--resource-type", "seed", "--resource-type", "snapshot", "--resource-type", "model"]
    assert run_dbt(["build", *nodes], target="dev").success
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        conn.execute("drop table pipeline_dev_marts.dim_contact")
    dag = _dagbag().dags["gtm_build"]
    assert "dbt_build.dim_account_model_build" not in dag.task_dict
    # Cosmos reuses dbt's partial parse between tasks only from <its project copy>/target, and it copies its
    # env vars into os.environ for good (so they cannot carry this): run the tasks without the suite's path.
    monkeypatch.delenv("DBT_TARGET_PATH")
    run = dag.test()
    assert run.state == "success"
    with psycopg.connect(warehouse.url()) as conn:
        in_mart = conn.execute("select count(*) from pipeline_dev_marts.dim_contact").fetchone()[0]
        staged = conn.execute("select count(*) from pipeline_dev_staging.stg_crm__contacts").fetchone()[0]
        rejected = conn.execute(
            "select count(*) from pipeline_dev_staging.base_crm__contacts"
            " where is_latest_version and dq_reason_code is not null"
        ).fetchone()[0]
        in_bronze = conn.execute("select count(distinct contact_id) from bronze.crm_contacts").fetchone()[0]
    assert in_mart == staged and staged + rejected == in_bronze and rejected > 0

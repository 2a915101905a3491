"""Airflow: the DAG folder imports cleanly, and the cosmos build DAG really builds the marts."""

from __future__ import annotations

import psycopg
import pytest


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
    assert "dbt_build.rpt_funnel_summary.run" in task_ids
    assert "dbt_build.rpt_funnel_summary.test" in task_ids
    # Freshness gates every dbt task.
    assert dag.task_dict["dbt_build.lead_sources.seed"].upstream_task_ids == {"source_freshness"}


@pytest.mark.slow
def test_build_dag_runs_end_to_end_and_fills_the_mart(
    manifest, airflow_db, generated, warehouse, monkeypatch
):
    # A separate target (schemas pipeline_dev_*) proves the DAG itself built the mart.
    monkeypatch.setenv("GTM_DBT_TARGET", "dev")
    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        conn.execute("drop schema if exists pipeline_dev_marts cascade")
    dag = _dagbag().dags["gtm_build"]
    run = dag.test()
    assert run.state == "success"
    with psycopg.connect(warehouse.url()) as conn:
        mart_total = conn.execute(
            "select sum(total_leads) from pipeline_dev_marts.rpt_funnel_summary"
        ).fetchone()[0]
        rejected = conn.execute(
            "select count(*) from pipeline_dev_staging.dq_rejected_rows where source_table = 'crm_leads'"
        ).fetchone()[0]
        bronze_total = conn.execute("select count(distinct lead_id) from bronze.crm_leads").fetchone()[0]
    assert mart_total + rejected == bronze_total > 0

"""Airflow: the DAG folder imports cleanly, and the cosmos build DAG really builds the marts."""

from __future__ import annotations

import psycopg
import pytest

from conftest import lead_ledger


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
        in_mart, rejected, in_bronze = lead_ledger(conn, "pipeline_dev_")
    assert in_mart + rejected == in_bronze > 0

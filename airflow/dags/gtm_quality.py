"""gtm_quality: every 6 hours, the data tests on the marts plus anomaly checks recorded in an audit table."""

from __future__ import annotations

from datetime import timedelta

import psycopg
from airflow.sdk import DAG, task
from cosmos.operators.local import DbtTestLocalOperator

from gtm.orchestration.dag_config import (
    DAG_DEFAULTS,
    dbt_operator_args,
    dbt_select,
    dbt_select_within,
    dbt_target,
    schema_prefix,
    warehouse_conninfo,
)
from gtm.transform.schemas import layer_schema

DOC = """
### Mart quality, every 6 hours

- **mart_tests** runs `dbt test` on every data test of the marts (`path:models/marts`; unit tests run with
  the build).
- **anomaly_checks** records each mart's row count, and the null rate of its key columns, in
  `audit.mart_quality_checks`. It compares them with the trailing 7 runs (see
  `gtm.orchestration.quality` for the rules and the `GTM_QUALITY_*` thresholds). An anomaly fails the task
  with a summary naming the mart, the check and both values.

The two tasks are independent: a failing test does not hide an anomaly, and vice versa.
"""

target = dbt_target()

with DAG(
    dag_id="gtm_quality",
    doc_md=DOC,
    schedule="0 */6 * * *",
    dagrun_timeout=timedelta(hours=1),
    tags=["gtm", "dbt", "quality"],
    **DAG_DEFAULTS,
) as dag:
    partial = dbt_select()  # GTM_DBT_SELECT: only the marts of that selection, and only tests on them alone
    DbtTestLocalOperator(
        task_id="mart_tests",
        select=dbt_select_within("path:models/marts"),
        exclude=["test_type:unit"],
        indirect_selection="cautious" if partial else "eager",
        **dbt_operator_args(target, "gtm_quality"),
    )

    @task(execution_timeout=timedelta(minutes=15))
    def anomaly_checks(run_id=None) -> dict:
        from gtm.orchestration.quality import Thresholds, check_marts

        with psycopg.connect(warehouse_conninfo(), autocommit=True) as conn:
            report = check_marts(
                conn,
                marts_schema=layer_schema("marts", schema_prefix(target)),
                audit_schema=layer_schema("audit", schema_prefix(target)),
                run_id=run_id,
                thresholds=Thresholds.from_env(),
            )
        report.raise_for_anomalies()
        return {"checks": len(report.checks), "anomalies": len(report.anomalies)}

    anomaly_checks()

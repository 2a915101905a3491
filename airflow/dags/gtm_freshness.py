"""gtm_freshness: hourly `dbt source freshness` on every bronze source."""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import DAG
from cosmos.operators.local import DbtSourceLocalOperator

from gtm.orchestration.dag_config import DAG_DEFAULTS, dbt_operator_args, dbt_target

DOC = """
### Bronze source freshness, hourly

Runs `dbt source freshness` against the `gtm_warehouse` connection. Each source's `warn_after` / `error_after`
thresholds live in its `_<source>__sources.yml`. A source past `error_after` fails the task, and the failure
callback logs a summary and posts it to `$GTM_ALERT_WEBHOOK_URL`. A source past `warn_after` only warns.
Nothing is retried: a stale source stays stale until data arrives.
"""

with DAG(
    dag_id="gtm_freshness",
    doc_md=DOC,
    schedule="@hourly",
    dagrun_timeout=timedelta(minutes=20),
    tags=["gtm", "dbt", "freshness"],
    **DAG_DEFAULTS,
) as dag:
    DbtSourceLocalOperator(
        task_id="source_freshness",
        execution_timeout=timedelta(minutes=15),
        **dbt_operator_args(dbt_target(), "gtm_freshness"),
    )

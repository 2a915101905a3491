"""gtm_build_dev: the same build as gtm_build on the `dev` target (schemas `pipeline_dev_*`), nightly at
midnight UTC, without publishing anything. One factory, two parameters: see
gtm.orchestration.pipelines.build_dag."""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable

from gtm.orchestration.pipelines import build_dag

dag = build_dag(
    dag_id="gtm_build_dev",
    target="dev",
    schedule=CronTriggerTimetable("0 0 * * *", timezone="UTC"),
    tags=["gtm", "dbt", "build", "dev"],
    publish=False,
)

"""gtm_build: the production build. Freshness gate, snapshots, every model with its tests (astronomer-cosmos),
then mart Assets, the docs site and the production state for slim CI. The task graph and its documentation
come from gtm.orchestration.pipelines.build_dag, shared with gtm_build_dev."""

from __future__ import annotations

from airflow.sdk import AssetAny, AssetOrTimeSchedule, CronTriggerTimetable

from gtm.orchestration.dag_config import bronze_assets
from gtm.orchestration.pipelines import build_dag

dag = build_dag(
    dag_id="gtm_build",
    target="prod",
    # After every bronze load (gtm_ingest emits one Asset per bronze table), and nightly at 02:00 UTC even
    # when nothing was ingested, so time-based metrics (days since, aging) move on.
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 2 * * *", timezone="UTC"), assets=AssetAny(*bronze_assets())
    ),
    tags=["gtm", "dbt", "build", "prod"],
    publish=True,
)

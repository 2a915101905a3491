"""gtm_ingest: load one batch into bronze, check it, and announce every bronze table as an Asset."""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.common.sql.operators.sql import SQLCheckOperator
from airflow.sdk import DAG, Param, task
from airflow.sdk.exceptions import AirflowFailException

from gtm.orchestration.dag_config import DAG_DEFAULTS, WAREHOUSE_CONN_ID, bronze_assets, warehouse_conninfo
from gtm.orchestration.pipelines import INGEST_SOURCES, IngestError, batch_check_sql, ingest

DOC = """
### Bronze ingestion

1. **load_batch** loads one batch. With `source=auto` (the default), that is the CSV exports in the landing
   folder (`$GTM_LANDING_DIR`, through the `gtm load` importer) when there are any. Otherwise it is the
   generated company's next day (`gtm generate --days 1`). Rejected rows go to
   `bronze._load_rejects` with their reason. The batch is one transaction: a refused file fails the run,
   nothing of the batch is committed, and all its files move to `failed/<time>/` with `reason.txt`.
   Imported files (`*.csv` in any case) move to `processed/<batch id>/`. Loads are idempotent: a retry
   replaces the batch. While another command writes bronze the task waits for it (`GTM_LOCK_WAIT`), then
   fails and leaves the files for the retry. The task pushes the row count per bronze table to XCom.
2. **check_batch** (common-sql `SQLCheckOperator`) checks each count against the warehouse: the rows carrying
   the batch id and the load ledger `bronze._load_batches`.
3. **publish_bronze_assets** emits one Asset per bronze table (`gtm-warehouse://bronze/<table>`), with the
   batch's rows in the event. `gtm_build` is scheduled on them.
"""

assets = bronze_assets()

with DAG(
    dag_id="gtm_ingest",
    doc_md=DOC,
    schedule="30 1 * * *",  # daily, before the nightly build; trigger it by hand when files land
    dagrun_timeout=timedelta(hours=1),
    tags=["gtm", "bronze", "ingest"],
    params={"source": Param("auto", enum=list(INGEST_SOURCES), description="auto, generate or landing")},
    user_defined_filters={"batch_check_sql": batch_check_sql},
    **DAG_DEFAULTS,
) as dag:

    @task(retries=1)
    def load_batch(params=None) -> dict:
        try:
            return ingest(warehouse_conninfo(), params["source"]).as_xcom()
        except IngestError as exc:
            # A refused file or nothing to load: a retry would not change that (and with the files moved
            # to failed/, `auto` would load the generator's day instead). Only connection trouble retries.
            raise AirflowFailException(str(exc)) from exc

    @task(outlets=assets)
    def publish_bronze_assets(batch: dict, *, outlet_events=None) -> None:
        for asset in assets:
            table = asset.name.removeprefix("bronze.")
            outlet_events[asset].extra = {"batch_id": batch["batch_id"], "rows": batch["rows"].get(table, 0)}

    batch = load_batch()
    check_batch = SQLCheckOperator(
        task_id="check_batch",
        conn_id=WAREHOUSE_CONN_ID,
        sql="{{ ti.xcom_pull(task_ids='load_batch') | batch_check_sql }}",
    )
    batch >> check_batch >> publish_bronze_assets(batch)

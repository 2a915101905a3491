"""The work behind the Airflow DAGs (airflow/dags/): ingestion into bronze, its validation SQL, the build DAG
(one factory for the production and the dev variant) and the publication of a production build's artefacts.

Plain functions that take a connection string, so they are testable without Airflow and the DAG files stay
short."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from gtm.orchestration.dag_config import (
    DAG_DEFAULTS,
    cosmos_configs,
    dbt_operator_args,
    dbt_select,
    dbt_threads,
    docs_dir,
    landing_dir,
    layer_schema,
    manifest_path,
    mart_asset,
    production_state_dir,
)
from gtm.sources import importer
from gtm.warehouse.bronze import BRONZE_SCHEMA, LEDGER_TABLE, TABLES

SAFE_BATCH_ID = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")
INGEST_SOURCES = ("auto", "generate", "landing")
# How often a watcher task that did not find its node's result yet looks again (deferred, in the triggerer).
WATCHER_POKE_SECONDS = 2


class IngestError(RuntimeError):
    """Nothing could be ingested, or a landing file was refused."""


@dataclass(frozen=True)
class LoadedBatch:
    batch_id: str
    source: str  # "generator" or "landing:<format>"
    rows: dict[str, int]  # bronze table -> rows this batch loaded
    rejected: int = 0

    def as_xcom(self) -> dict[str, Any]:
        if not SAFE_BATCH_ID.match(self.batch_id):
            raise IngestError(f"batch id {self.batch_id!r} has characters a check query cannot quote")
        unknown = sorted(set(self.rows) - set(TABLES))
        if unknown:
            raise IngestError(f"the batch names unknown bronze tables: {', '.join(unknown)}")
        return {
            "batch_id": self.batch_id,
            "source": self.source,
            "rows": dict(sorted(self.rows.items())),
            "total_rows": sum(self.rows.values()),
            "rejected": self.rejected,
        }


def landing_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []


def _move_landing(files: list[Path], destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.move(str(path), destination / path.name)
    return destination


def import_landing(conninfo: str, folder: Path) -> LoadedBatch:
    """Import the CSV files lying in ``folder`` as one batch through the same importer as `gtm load`; move
    them to processed/<batch id>/, or to failed/<time>/ with the reasons when a file is refused."""
    files = landing_files(folder)
    if not files:
        raise IngestError(f"no CSV files in the landing folder {folder}")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    try:
        plan = importer.plan_import(folder)
    except (importer.ImportArgumentError, OSError) as exc:
        failed = _move_landing(files, folder / "failed" / stamp)
        (failed / "reason.txt").write_text(f"{exc}\n")
        raise IngestError(f"landing files refused (moved to {failed}): {exc}") from exc
    with psycopg.connect(conninfo, autocommit=True) as conn:
        result = importer.execute(plan, conn)
    if result.errors:
        failed = _move_landing(files, folder / "failed" / stamp)
        (failed / "reason.txt").write_text("\n".join(result.errors) + "\n")
        raise IngestError(f"landing files refused (moved to {failed}): {'; '.join(result.errors)}")
    rows: dict[str, int] = {}
    for file in result.files:
        if file.table:
            rows[file.table] = rows.get(file.table, 0) + file.loaded
    _move_landing(files, folder / "processed" / result.batch_id)
    return LoadedBatch(result.batch_id, f"landing:{result.format}", rows, result.rejected)


def generate_next_day(conninfo: str) -> LoadedBatch:
    """Append the generated company's next day to bronze (idempotent: a re-run reloads the same day)."""
    from gtm.sources.generators import generate_increment, next_increment_day

    with psycopg.connect(conninfo) as conn:
        try:
            result = generate_increment(conn, next_increment_day(conn))
        except ValueError as exc:
            raise IngestError(str(exc)) from exc
    return LoadedBatch(result.batch_id, "generator", dict(result.counts))


def ingest(conninfo: str, source: str = "auto", folder: Path | None = None) -> LoadedBatch:
    """``auto``: the landing folder's CSV files when there are any, else the generator's next day."""
    if source not in INGEST_SOURCES:
        raise IngestError(f"unknown ingest source {source!r}; choose one of {', '.join(INGEST_SOURCES)}")
    folder = folder or landing_dir()
    if source == "landing" or (source == "auto" and landing_files(folder)):
        return import_landing(conninfo, folder)
    return generate_next_day(conninfo)


def batch_check_sql(batch: dict[str, Any]) -> str:
    """One row of booleans, all true when the batch is whole: for every table, the ledger and the rows
    carrying the batch id both equal what the loader reported, and the batch is not empty. (SQLCheckOperator
    fails on any false value and prints the row, so each column is named after what it checks.)"""
    batch_id = batch["batch_id"]
    if not SAFE_BATCH_ID.match(batch_id):
        raise IngestError(f"unsafe batch id {batch_id!r}")
    ledger = f"{BRONZE_SCHEMA}.{LEDGER_TABLE}"
    checks = [f"{int(batch['total_rows'])} > 0 as batch_has_rows"]
    for table, rows in batch["rows"].items():
        if table not in TABLES:
            raise IngestError(f"unknown bronze table {table!r}")
        rows = int(rows)
        checks.append(
            f"(select count(*) from {BRONZE_SCHEMA}.{table} where _batch_id = '{batch_id}') = {rows}"
            f" as {table}_rows_match"
        )
        checks.append(
            f"coalesce((select row_count from {ledger} where batch_id = '{batch_id}'"
            f" and table_name = '{table}'), -1) = {rows} as {table}_ledger_matches"
        )
    return "select\n    " + ",\n    ".join(checks)


# ---- Build -------------------------------------------------------------------------------------------------

BUILD_DOC = """
### GTM warehouse build (target `{target}`)

**dbt_build** (astronomer-cosmos, watcher mode, rendered from `manifest.json`): its **dbt_producer_watcher**
task runs the whole build as one `dbt build` ({threads} dbt threads), after `dbt source freshness`; every
seed, snapshot, model, source and test group is its own task, started once the producer is done, that turns
green or red with its node's result, so the graph shows each node while dbt pays its start-up once.

1. **Freshness gate**: a source past its `error_after` threshold fails its source task, and the producer
   builds nothing (every seed, snapshot and model task is skipped).
2. **Models and their tests** (`TestBehavior.AFTER_EACH`): a model's tests run right after it and its
   children wait for them, so a failing test stops its downstream models (dbt build skips them; their tasks
   never start). A test on two nodes runs once both are built.
3. **Retries**: a model task retries (`meta.cosmos.operator_kwargs` in dbt_project.yml) by running
   `dbt run` for its model alone; a test task never retries (a failing test is a finding). When a model was
   built by its own retry, its test task runs the model's tests itself instead of reading the producer's.
{publish}
`GTM_DBT_SELECT` (dbt selection syntax, e.g. `+dim_contact`) renders only part of the project: for development
and for the end-to-end test; unset in production. Connection: `gtm_warehouse` (`AIRFLOW_CONN_GTM_WAREHOUSE`).
dbt runs in-process and never runs `dbt deps`.
"""

PUBLISH_DOC = """4. **publish_mart_assets** emits one Asset per mart (`gtm-warehouse://marts/<model>`) for
   downstream consumers, and **publish_docs_and_state** regenerates the dbt docs site and publishes
   `manifest.json` as the production state slim CI defers to (`$GTM_PROD_STATE_DIR`, `$GTM_DOCS_DIR`).
"""

# Analyses and exposures are documentation, not warehouse objects.
NOT_RENDERED = ["resource_type:analysis", "resource_type:exposure"]
# Statuses of `dbt source freshness` past a source's error_after (warn_after only warns).
STALE_SOURCE_STATUSES = {"error", "runtime error"}


def _replace_file(source: Path, destination: Path) -> None:
    """Copy then rename: a reader (slim CI, a browser) never sees half a file."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as handle:
        temporary = Path(handle.name)
    shutil.copyfile(source, temporary)
    os.replace(temporary, destination)


def publish_build_artifacts(project_dir: str, **_: Any) -> dict[str, str]:
    """cosmos callback of `dbt docs generate --static`: publish the docs site and the production state."""
    target = Path(project_dir) / "target"
    published: dict[str, str] = {}
    for name, folder in (
        ("static_index.html", docs_dir()),
        ("catalog.json", docs_dir()),
        ("manifest.json", docs_dir()),
        ("manifest.json", production_state_dir()),
    ):
        source = target / name
        if not source.exists():
            raise FileNotFoundError(f"dbt docs generate did not write {source}")
        _replace_file(source, folder / name)
        published[f"{folder.name}/{name}"] = str(folder / name)
    return published


def stale_source_stops_everything(context, dag, task_group, nodes, sources_json) -> list[tuple[str, str]]:
    """The producer's freshness gate (cosmos `freshness_callback`): when any source is past its error_after,
    every seed, snapshot and model is marked skipped and left out of the `dbt build`, so nothing is built
    from stale data; the stale source's own task fails the run. (Cosmos's default only skips the nodes that
    read nothing but stale sources, and does so on a mere warning too.)"""
    import json

    results = (sources_json or {}).get("results", [])
    if not any(result.get("status") in STALE_SOURCE_STATUSES for result in results):
        return []
    # From the manifest the DAG renders from: cosmos passes `nodes` only when it finds its graph on the DAG or
    # the task group, which a task run does not always give it (None would build everything).
    manifest = json.loads(manifest_path().read_text())["nodes"]
    built = {"model", "seed", "snapshot"}
    return [(unique_id, "skipped") for unique_id, node in manifest.items() if node["resource_type"] in built]


def _mart_models(task_group) -> list[str]:
    marts = []
    for node in task_group.dbt_graph.filtered_nodes.values():
        if node.resource_type.value == "model" and "marts" in node.file_path.parts:
            marts.append(node.resource_name)
    return sorted(marts)


def _render_config(select: list[str]):
    from cosmos import RenderConfig
    from cosmos.constants import LoadMode, SourceRenderingBehavior, TestBehavior

    return RenderConfig(
        load_method=LoadMode.DBT_MANIFEST,
        select=select,
        exclude=NOT_RENDERED,
        test_behavior=TestBehavior.AFTER_EACH,
        # A test on two nodes (relationships) gets its own task after both, not the first one's.
        should_detach_multiple_parents_tests=True,
        # Sources with a freshness rule or tests are tasks: the producer's `dbt source freshness` reports
        # into them, and their tests gate the models that read them.
        source_rendering_behavior=SourceRenderingBehavior.WITH_TESTS_OR_FRESHNESS,
        emit_datasets=False,  # see orchestration.dbt_operator_args: the DAG emits its Assets explicitly
    )


def tests_outside_selection(task_group) -> set[str]:
    """Task ids of the tests a partial render would run against a parent it does not build (a relationships
    test from a selected source to an unselected model): stale or missing data. Cosmos renders every test of
    a selected node, so build_dag drops these, like dbt's `--indirect-selection cautious`. A full render has
    none."""
    from cosmos.constants import DbtResourceType

    nodes = task_group.dbt_graph.filtered_nodes
    outside = {
        unique_id
        for unique_id, node in nodes.items()
        if node.resource_type == DbtResourceType.TEST
        and any(parent not in nodes for parent in node.depends_on)
    }
    return {task.task_id for task in task_group if getattr(task, "model_unique_id", None) in outside}


def _use_gtm_watchers(task_group) -> None:
    """The producer and the test tasks of the group behave as gtm.orchestration.watcher says (cosmos builds
    them from its own classes; these subclasses add behaviour, no state)."""
    from gtm.orchestration.watcher import BuildProducer, TestsAfterTheirModel, is_producer, is_test_watcher

    for task in task_group:
        if is_test_watcher(task):
            task.__class__ = TestsAfterTheirModel
        elif is_producer(task):
            task.__class__ = BuildProducer


def _producer_first(task_group) -> None:
    """Every watcher starts once the producer has finished (whatever its outcome). A watcher that started
    earlier would wait for its node in a second process (deferred to the triggerer, then resumed): on a small
    machine that costs more than it overlaps, and `dag.test()`, which runs one task at a time in any order,
    would wait on a producer it never starts."""
    from airflow.sdk import TriggerRule

    producer = next(t for t in task_group if t.task_id.endswith(".dbt_producer_watcher"))
    for task in task_group:
        if task is producer or not getattr(task, "producer_task_id", None):
            continue
        if not task.upstream_task_ids:
            producer >> task
            task.trigger_rule = TriggerRule.ALL_DONE


def build_dag(*, dag_id: str, target: str, schedule: Any, tags: list[str], publish: bool):
    """The build DAG: production (publish=True: mart Assets, docs, state) or the dev variant (target dev)."""
    from airflow.sdk import DAG, task
    from cosmos import DbtTaskGroup
    from cosmos.operators.local import DbtDocsLocalOperator

    project, profile, execution = cosmos_configs(
        target, watcher=True, setup_operator_args={"freshness_callback": stale_source_stops_everything}
    )
    dbt_args = dbt_operator_args(target, cache_identifier=f"{dag_id}__dbt_build")
    select = dbt_select()
    with DAG(
        dag_id=dag_id,
        doc_md=BUILD_DOC.format(target=target, threads=dbt_threads(), publish=PUBLISH_DOC if publish else ""),
        schedule=schedule,
        dagrun_timeout=timedelta(hours=4),
        tags=tags,
        # The DAG file registers what this returns (a partial render returns a subset copy).
        auto_register=False,
        **DAG_DEFAULTS,
    ) as dag:
        dbt_build = DbtTaskGroup(
            group_id="dbt_build",
            project_config=project,
            profile_config=profile,
            execution_config=execution,
            render_config=_render_config(select),
            operator_args={"poke_interval": WATCHER_POKE_SECONDS},
        )
        _producer_first(dbt_build)
        _use_gtm_watchers(dbt_build)
        dropped = tests_outside_selection(dbt_build) if select else set()
        built = [t for t in dbt_build if t.task_id not in dropped]
        last_built = [t for t in built if not (t.downstream_task_ids & {b.task_id for b in built})]
        if publish:
            marts = _mart_models(dbt_build)
            mart_assets = [mart_asset(model) for model in marts]
            marts_schema = layer_schema(target, "marts")

            @task(outlets=mart_assets)
            def publish_mart_assets(*, outlet_events=None, run_id=None) -> list[str]:
                """Announce every rebuilt mart to Asset-scheduled consumers (the event says which run)."""
                for asset in mart_assets:
                    outlet_events[asset].extra = {
                        "schema": marts_schema,
                        "dbt_target": target,
                        "run_id": run_id,
                    }
                return [asset.uri for asset in mart_assets]

            publish_docs = DbtDocsLocalOperator(
                task_id="publish_docs_and_state",
                dbt_cmd_flags=["--static"],
                callback=publish_build_artifacts,
                **dbt_args,
            )
            last_built >> publish_mart_assets()
            last_built >> publish_docs
    if dropped:
        return dag.partial_subset([t for t in dag.task_ids if t not in dropped], include_upstream=False)
    return dag

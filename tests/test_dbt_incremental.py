"""Incremental models: a run after one more generated day gives exactly what a full refresh gives."""

from __future__ import annotations

import dataclasses

import psycopg

from conftest import SMALL_SCALE
from gtm.sources.generators import GeneratorConfig, generate_history, generate_increment, next_increment_day
from gtm.transform.dbt_runner import dbt_target_path, run_dbt

INCREMENTAL_MODELS = {
    "int_product__account_daily_usage": ("intermediate", ["account_id", "usage_date"]),
    "int_touchpoints__unioned": ("intermediate", ["touchpoint_id"]),
}


def _copy(conn: psycopg.Connection, schema: str, model: str, into: str) -> int:
    conn.execute(f"drop table if exists {into}")
    conn.execute(f"create table {into} as select * from {schema}.{model}")
    return conn.execute(f"select count(*) from {into}").fetchone()[0]


def _differences(conn: psycopg.Connection, left: str, right: str) -> int:
    return conn.execute(
        f"select count(*) from ((select * from {left} except all select * from {right})"
        f" union all (select * from {right} except all select * from {left})) as diff"
    ).fetchone()[0]


def test_incremental_run_after_a_new_day_equals_a_full_refresh(scratch_db, warehouse):
    settings = dataclasses.replace(warehouse, database="gtm_scratch")
    selection = ["-s", *(f"+{model}" for model in INCREMENTAL_MODELS)]
    with psycopg.connect(scratch_db) as conn:
        generate_history(conn, GeneratorConfig(scale=SMALL_SCALE, seed=11))
    assert run_dbt(["seed"], target="prod", settings=settings).success
    assert run_dbt(["run", *selection], target="prod", settings=settings).success

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        before = {m: _copy(conn, s, m, f"public.before_{m}") for m, (s, _) in INCREMENTAL_MODELS.items()}
        increment = generate_increment(conn, next_increment_day(conn))
    assert increment.counts["product_api_events"] > 0 and increment.counts["marketing_touches"] > 0

    # History and increment load minutes apart here; without a lookback only the new day's loads are read.
    no_lookback = ["--vars", '{"incremental_lookback_hours": 0}']
    incremental = run_dbt(["run", *selection, *no_lookback], target="prod", settings=settings)
    assert incremental.success
    inserted = {
        r["unique_id"].split(".")[-1]: r["adapter_response"].get("rows_affected")
        for r in incremental.run_results["results"]
    }
    for model, (schema, _) in INCREMENTAL_MODELS.items():
        compiled = next((dbt_target_path() / "run").rglob(f"{model}.sql")).read_text()
        # Only an incremental run reads the model's own table (for its load watermark).
        assert f'"{schema}"."{model}"' in compiled.split("insert into")[0], (
            f"{model} did not run incrementally"
        )

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        after = {m: _copy(conn, s, m, f"public.incremental_{m}") for m, (s, _) in INCREMENTAL_MODELS.items()}
    assert run_dbt(["run", "--full-refresh", *selection], target="prod", settings=settings).success

    with psycopg.connect(scratch_db, autocommit=True) as conn:
        for model, (schema, key) in INCREMENTAL_MODELS.items():
            assert after[model] > before[model], f"the new day added no rows to {model}"
            # It reprocessed only what the new day touched, not the whole table.
            assert 0 < inserted[model] < before[model] / 5, (model, inserted[model], before[model])
            full = conn.execute(f"select count(*) from {schema}.{model}").fetchone()[0]
            assert full == after[model]
            assert _differences(conn, f"public.incremental_{model}", f"{schema}.{model}") == 0, model
            duplicates = conn.execute(
                f"select count(*) from (select {', '.join(key)} from {schema}.{model}"
                f" group by {', '.join(key)} having count(*) > 1) as d"
            ).fetchone()[0]
            assert duplicates == 0

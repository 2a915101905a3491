"""The GTM marts (issue 5): seed 000's validation queries run on our schema, the health transitions feed
reports exactly what changed between two builds, and on the default world the funnel, loss and CAC/LTV marts
reproduce the generator's calibration bands."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from gtm.transform.dbt_runner import compile_analyses, dbt_target_path, run_dbt

REPO_ROOT = Path(__file__).resolve().parents[1]
ANALYSES = sorted((REPO_ROOT / "dbt" / "analyses" / "seed_000").glob("*.sql"))


def test_seed_000_validation_queries_run_and_return_rows(built, warehouse):
    queries = compile_analyses("analyses/seed_000")
    assert sorted(queries) == [path.stem for path in ANALYSES] and len(queries) == 15
    empty = []
    with psycopg.connect(warehouse.url()) as conn:
        for name, query in queries.items():
            if not conn.execute(query).fetchall():
                empty.append(name)
    assert not empty, f"validation queries returned no rows: {empty}"


def _health(conn: psycopg.Connection, schema: str) -> dict[str, tuple[str, str]]:
    rows = conn.execute(f"select record_id, health_status, risk_level from {schema}.ops_pipeline_health")
    return {record_id: (health, risk) for record_id, health, risk in rows}


@pytest.mark.slow
def test_health_transitions_list_exactly_what_changed_between_builds(built, warehouse, tmp_path, monkeypatch):
    """Two dev builds a month apart in as-of time: the second build's transitions are exactly the records
    whose health or risk changed, with old and new values and the seed's transition-specific action."""
    state = tmp_path / "prod-state"
    state.mkdir()
    shutil.copy(dbt_target_path() / "manifest.json", state / "manifest.json")
    monkeypatch.setenv("DBT_DEV_SCHEMA", "transitions_dev")
    selection = [
        "-s",
        "int_calendar__as_of_date+,+ops_pipeline_health_transitions",
        "pipeline_health_actions",
    ]
    defer = ["--defer", "--state", str(state), "--indirect-selection", "cautious"]

    with psycopg.connect(warehouse.url(), autocommit=True) as conn:
        conn.execute("drop schema if exists transitions_dev_snapshots cascade")
        as_of = conn.execute("select as_of_date from intermediate.int_calendar__as_of_date").fetchone()[0]
    first = run_dbt(
        ["build", *selection, *defer, "--vars", json.dumps({"as_of_date": str(as_of)})], target="dev"
    )
    assert first.success
    with psycopg.connect(warehouse.url()) as conn:
        before = _health(conn, "transitions_dev_marts")
        assert (
            conn.execute(
                "select count(*) from transitions_dev_marts.ops_pipeline_health_transitions"
            ).fetchone()[0]
            == 0
        ), "the first build has nothing to compare with"

    later = as_of + timedelta(days=30)
    second = run_dbt(
        ["build", *selection, *defer, "--vars", json.dumps({"as_of_date": str(later)})], target="dev"
    )
    assert second.success
    with psycopg.connect(warehouse.url()) as conn:
        after = _health(conn, "transitions_dev_marts")
        transitions = conn.execute(
            """select record_id, previous_health_status, health_status, previous_risk_level, risk_level,
                      is_demo_held, record_type, recommended_action
               from transitions_dev_marts.ops_pipeline_health_transitions"""
        ).fetchall()
        fresh_to_maturing_action = conn.execute(
            """select recommended_action from transitions_dev_seeds.pipeline_health_actions
               where from_health_status = 'Fresh' and to_health_status = 'Maturing'"""
        ).fetchone()[0]
    changed = {r: (before[r], after[r]) for r in before.keys() & after.keys() if before[r] != after[r]}
    assert len(changed) > 0, "a month later some records must have aged into another status"
    assert {t[0]: ((t[1], t[3]), (t[2], t[4])) for t in transitions} == changed
    demo_held_fresh_to_maturing = [
        t for t in transitions if t[6] == "Opportunity" and t[1:3] == ("Fresh", "Maturing")
    ]
    for t in demo_held_fresh_to_maturing:
        assert (t[7] == fresh_to_maturing_action) == t[5]


@pytest.mark.slow
def test_default_world_marts_reproduce_the_calibration_bands(default_world_db):
    """Acceptance 2 of issue 5 on the world `make demo` builds: inbound converts better, both channels above
    3x LTV(12):CAC, No Demo Held the top loss reason; the figures sit in the generator's bands."""
    models = ["+rpt_funnel_summary", "+rpt_loss_reasons", "+rpt_cac_ltv_by_channel"]
    # Seeds, snapshots and models upstream of the three marts; their tests run in the main build.
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    assert run_dbt(["build", "-s", *models, *no_tests], target="prod", settings=default_world_db).success
    with psycopg.connect(default_world_db.url()) as conn:
        funnel = {
            row[0]: row[1:]
            for row in conn.execute(
                "select channel, lead_to_opportunity_rate, win_rate_of_closed from marts.rpt_funnel_summary"
            )
        }
        economics = {
            row[0]: row[1:]
            for row in conn.execute(
                "select channel, cac_amount, ltv_to_cac_12_ratio from marts.rpt_cac_ltv_by_channel"
            )
        }
        top_reason, top_share = conn.execute(
            "select lost_reason, share_of_losses from marts.rpt_loss_reasons order by lost_count desc limit 1"
        ).fetchone()

    inbound_rate, inbound_win = funnel["Inbound"]
    outbound_rate, outbound_win = funnel["Outbound"]
    assert inbound_rate > outbound_rate
    assert 0.15 <= inbound_rate <= 0.21 and 0.035 <= outbound_rate <= 0.06
    assert 0.24 <= inbound_win <= 0.32 and 0.17 <= outbound_win <= 0.24
    assert top_reason == "No Demo Held" and 0.28 <= top_share <= 0.40
    inbound_cac, inbound_ratio = economics["Inbound"]
    outbound_cac, outbound_ratio = economics["Outbound"]
    assert inbound_ratio > 3 and outbound_ratio > 3
    assert 900 <= inbound_cac <= 1600 and 1600 <= outbound_cac <= 3000

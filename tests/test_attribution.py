"""Multi-touch attribution (seed 001): hand-computed credits on a small CSV set imported with `gtm load`, and
the reconciliation identities on the generated world."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from conftest import REPO_ROOT
from gtm.cli import app
from gtm.transform.dbt_runner import run_dbt
from gtm.transform.project import attribution_models

# Every test here reads marts a dbt build makes from an imported example: slow, not in `make test-fast`.
pytestmark = pytest.mark.slow

EXERCISE = REPO_ROOT / "tests" / "fixtures" / "import" / "attribution_exercise"
CSV_DATABASE = "gtm_attribution_csv"
MODELS = tuple(attribution_models())

# Worked by hand from the five CSV opportunities (all open, so nothing is won). Windows are 90 days before
# creation, both ends included.
# - O1 ($12,000.00, A1, 2024-04-01): M1 Website exactly 90 days before (counts; M0 a second earlier does
#   not), M2 Adwords on the account's second contact, S1 Outbound.
# - O2 ($5,000, A2, 2024-05-15): M4 Website and S4 Outbound at the same instant (marketing first), M5 Webinar.
# - O3 ($3,000.50, A1, 2024-07-01): M3 Event, S2 Outbound at the creation instant (counts; S3 a day later
#   does not; O1's touches are older than 90 days).
# - O4 ($7,500, A3): its only touch is after creation -> Unattributed.
# - O5 ($1,500.25, A4): S5 Outbound only.
# Linear on O2: 5,000 / 3 = 1,666.666...; the two leftover cents go to the earliest touches (M4, S4).
EXPECTED_BY_CHANNEL = {
    "first_touch": {
        "Website": "17000.00",  # O1 12,000 + O2 5,000
        "Event": "3000.50",  # O3
        "Outbound": "1500.25",  # O5
        "Unattributed": "7500.00",  # O4
        "Adwords": "0.00",
        "Webinar": "0.00",
    },
    "last_touch": {
        "Outbound": "16500.75",  # O1 12,000 + O3 3,000.50 + O5 1,500.25
        "Webinar": "5000.00",  # O2
        "Unattributed": "7500.00",
        "Website": "0.00",
        "Adwords": "0.00",
        "Event": "0.00",
    },
    "linear": {
        "Website": "5666.67",  # O1 4,000 + O2 1,666.67
        "Adwords": "4000.00",  # O1
        "Outbound": "8667.17",  # O1 4,000 + O2 1,666.67 + O3 1,500.25 + O5 1,500.25
        "Event": "1500.25",  # O3
        "Webinar": "1666.66",  # O2
        "Unattributed": "7500.00",
    },
}
TOTAL_PIPELINE = Decimal("29000.75")


@pytest.fixture(scope="module")
def exercise_db(warehouse):
    """A fresh database holding only the hand-made exercise CSVs, imported with `gtm load` and built."""
    with psycopg.connect(warehouse.url(warehouse.admin, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(CSV_DATABASE)))
    settings = dataclasses.replace(warehouse, database=CSV_DATABASE)
    with pytest.MonkeyPatch.context() as patch:
        # POSTGRES_DB points every gtm command at another database of the embedded server (created on use).
        patch.setenv("POSTGRES_DB", CSV_DATABASE)
        result = CliRunner().invoke(app, ["load", str(EXERCISE)])
    assert result.exit_code == 0, result.output
    assert "loaded 26 rows, rejected 0 rows" in result.output
    assert run_dbt(["seed"], target="prod", settings=settings).success
    assert run_dbt(["run", "-s", "+path:models/marts/attribution"], target="prod", settings=settings).success
    return settings


def test_exercise_csvs_give_the_hand_computed_credits(exercise_db):
    with psycopg.connect(exercise_db.url()) as conn:
        rows = conn.execute(
            "select attribution_model, channel, attributed_pipeline_amount, attributed_won_amount "
            "from marts.rpt_attribution_by_channel"
        ).fetchall()
        by_segment = conn.execute(
            "select sales_segment, channel, attributed_pipeline_amount from marts.rpt_attribution_by_segment "
            "where attribution_model = 'first_touch' and attributed_pipeline_amount > 0"
        ).fetchall()
        sequences = conn.execute(
            "select opportunity_id, string_agg(touchpoint_id, ' ' order by touch_sequence) "
            "from marts.fct_opportunity_touchpoints group by opportunity_id"
        ).fetchall()
    actual: dict[str, dict[str, str]] = {}
    for model, channel, pipeline, won in rows:
        actual.setdefault(model, {})[channel] = str(pipeline)
        assert won == 0  # the exercise has no stages: every opportunity is open pipeline
    for model, expected in EXPECTED_BY_CHANNEL.items():
        assert actual[model] == expected, model
    for model in MODELS:
        assert sum(Decimal(v) for v in actual[model].values()) == TOTAL_PIPELINE, model
    # Segment is the opportunity's own (O1 Enterprise and O3 Mid Market share account A1).
    assert sorted(by_segment) == [
        ("Commercial", "Unattributed", Decimal("7500.00")),
        ("Commercial", "Website", Decimal("5000.00")),
        ("Enterprise", "Outbound", Decimal("1500.25")),
        ("Enterprise", "Website", Decimal("12000.00")),
        ("Mid Market", "Event", Decimal("3000.50")),
    ]
    assert dict(sequences) == {
        "O1": "marketing-M1 marketing-M2 sales-S1",
        "O2": "marketing-M4 sales-S4 marketing-M5",
        "O3": "marketing-M3 sales-S2",
        "O5": "sales-S5",
    }


def test_exercise_passes_the_attribution_checks(exercise_db):
    # Seed 001's data checks, the reconciliation tests and the unit tests, on the imported data. The channel
    # check warns: Adwords is not in the channels seed (it reports as Unmapped).
    result = run_dbt(["test", "--selector", "attribution"], target="prod", settings=exercise_db)
    assert result.success
    statuses = {r["unique_id"].split(".")[2]: r["status"] for r in result.run_results["results"]}
    assert statuses["assert_attribution_credit_reconciles_to_pipeline"] == "pass"
    assert statuses["assert_attribution_reports_reconcile"] == "pass"
    warned = [name for name, status in statuses.items() if status == "warn"]
    assert warned == ["relationships_int_touchpoints__unioned_channel__channel__ref_channels_"]


def test_generated_world_reconciles_every_model_to_total_pipeline(built, transformer_conn):
    total, opportunities = transformer_conn.execute(
        "select sum(acv_amount), count(*) from staging.stg_crm__opportunities "
        "where opportunity_type = 'New Business'"
    ).fetchone()
    assert opportunities > 100
    per_model = dict(
        transformer_conn.execute(
            "select attribution_model, sum(attributed_pipeline_amount) from marts.rpt_attribution_by_channel "
            "group by attribution_model"
        ).fetchall()
    )
    assert per_model == dict.fromkeys(MODELS, total)
    worst = transformer_conn.execute(
        "select max(abs(total - 1)) from (select sum(credit_fraction) as total "
        "from marts.fct_attribution_credit group by attribution_model, opportunity_id) as per_opportunity"
    ).fetchone()[0]
    assert worst < 1e-9
    # The window recomputed independently from staging: touches of the account's contacts between 90 days
    # before creation and creation, both included.
    in_window = transformer_conn.execute(
        """
        with touches as (
            select contact_id, touched_at from staging.stg_marketing__marketing_touches
            union all
            select contact_id, touched_at from staging.stg_marketing__sales_touches
        )
        select count(*)
        from staging.stg_crm__opportunities as o
        join staging.stg_crm__contacts as c on c.account_id = o.account_id
        join touches as t on t.contact_id = c.contact_id
            and t.touched_at between o.created_at - interval '90 days' and o.created_at
        where o.opportunity_type = 'New Business'
        """
    ).fetchone()[0]
    credited, unattributed = transformer_conn.execute(
        "select count(*) filter (where is_attributed), count(*) filter (where channel = 'Unattributed') "
        "from marts.fct_attribution_credit where attribution_model = 'linear'"
    ).fetchone()
    assert credited == in_window > opportunities
    # Opportunities created in the history's first 90 days (and the installed base before it) lack touches.
    assert 0 < unattributed < opportunities * 0.2

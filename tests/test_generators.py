"""The synthetic company: determinism, calibration bands, the defect manifest and daily increments."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from psycopg import sql

from gtm.sources.calibration import measure
from gtm.sources.generators import GeneratorConfig, generate_history, generate_increment, table_checksums
from gtm.sources.generators.defects import DEFECT_PLAN
from gtm.warehouse.bronze import TABLES

SMALL = GeneratorConfig(scale=0.02, seed=7, months=6)


def test_same_seed_gives_identical_checksums_and_another_seed_differs():
    first, second = table_checksums(SMALL), table_checksums(SMALL)
    other = table_checksums(GeneratorConfig(scale=0.02, seed=8, months=6))
    assert first == second
    assert set(first) == set(TABLES)
    # Every table that has rows at this size changes with the seed (reference data such as the rep
    # roster and spend shares are seeded too, so nothing is identical by accident).
    differing = {t for t in first if first[t] != other[t]}
    assert differing >= set(TABLES) - {"crm_users", "spend_team_monthly"}


def test_invalid_settings_are_rejected():
    for kwargs, message in (
        ({"scale": -1}, "scale must be a finite number > 0"),
        ({"scale": float("inf")}, "scale must be a finite number > 0"),
        ({"scale": float("nan")}, "scale must be a finite number > 0"),
        ({"months": 0}, "months must be >= 1"),
        ({"seed": -3}, "seed"),
    ):
        with pytest.raises(ValueError, match=message):
            GeneratorConfig(**kwargs)


@pytest.mark.slow
def test_scale_1_lands_inside_every_calibration_band(default_world_db):
    with psycopg.connect(default_world_db.url()) as conn:
        bands = measure(conn)
    misses = [f"{b.name}: {b.value:.4f} not in [{b.low}, {b.high}]" for b in bands if not b.ok]
    assert not misses, misses
    assert len(bands) == 16


def _column_matches(table: str, column: str, pg_type: str) -> sql.Composed:
    col = sql.Identifier(column)
    if pg_type == "timestamptz":
        return sql.SQL(
            "({col} IS NULL AND %(dirty)s::text IS NULL) OR {col} = %(dirty)s::timestamptz"
        ).format(col=col)
    if pg_type == "numeric":
        return sql.SQL("({col} IS NULL AND %(dirty)s::text IS NULL) OR {col} = %(dirty)s::numeric").format(
            col=col
        )
    return sql.SQL("{col} IS NOT DISTINCT FROM %(dirty)s::text").format(col=col)


def test_every_recorded_defect_is_in_bronze_and_the_rate_follows_the_setting(generated, transformer_conn):
    conn = transformer_conn
    manifest = conn.execute(
        "SELECT table_name, record_key, defect_kind, column_name, dirty_value FROM bronze._generator_defects"
    ).fetchall()
    assert len(manifest) == generated.defects > 0
    kinds = {row[2] for row in manifest}
    expected_kinds = {kind for plan in DEFECT_PLAN.values() for kind, _ in plan}
    assert kinds == expected_kinds, expected_kinds - kinds
    missing = []
    for table_name, key, kind, column, dirty in manifest:
        table = TABLES[table_name]
        where = sql.SQL("{}::text = %(key)s").format(sql.Identifier(table.key))
        if kind == "duplicate_resend":
            query = sql.SQL("SELECT count(*) > count(DISTINCT (t.*)::text) FROM {} t WHERE {}").format(
                table.identifier, where
            )
        else:
            pg_type = next(c.pg_type for c in table.columns if c.name == column)
            query = sql.SQL("SELECT count(*) > 0 FROM {} WHERE {} AND ({})").format(
                table.identifier, where, _column_matches(table_name, column, pg_type)
            )
        if not conn.execute(query, {"key": key, "dirty": dirty}).fetchone()[0]:
            missing.append((table_name, key, kind, column, dirty))
    assert not missing, missing[:10]
    # Rate: defects over rows of the tables that can carry them (the default setting is 1.5%; rows whose
    # chosen kind does not apply, e.g. a null value, are skipped, so the realised rate is a little lower).
    eligible = sum(
        conn.execute(sql.SQL("SELECT count(*) FROM {}").format(TABLES[t].identifier)).fetchone()[0]
        for t in DEFECT_PLAN
    )
    assert 0.010 <= len(manifest) / eligible <= 0.016


def _counts(conn) -> dict[str, int]:
    return {
        name: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(t.identifier)).fetchone()[0]
        for name, t in TABLES.items()
    }


def test_daily_increment_is_idempotent_and_the_next_day_adds_rows(scratch_db):
    cfg = GeneratorConfig(scale=0.05, seed=11, months=6)
    with psycopg.connect(scratch_db) as conn:
        generate_history(conn, cfg)
        after_history = _counts(conn)
        day = cfg.as_of + timedelta(days=1)
        first = generate_increment(conn, day)
        after_first = _counts(conn)
        second = generate_increment(conn, day)
        assert _counts(conn) == after_first, "re-running the same day must not duplicate rows"
        assert first.counts == second.counts
        assert sum(first.counts.values()) > 0
        assert after_first["product_api_events"] > after_history["product_api_events"]
        generate_increment(conn, day + timedelta(days=1))
        after_next = _counts(conn)
        assert sum(after_next.values()) > sum(after_first.values())
        # The increment continues the same world: a lead created on the new day is new, and no key loaded
        # by the history appears again with the same version time.
        dup = conn.execute(
            "SELECT count(*) FROM (SELECT lead_id, updated_at FROM bronze.crm_leads "
            "GROUP BY 1, 2 HAVING count(DISTINCT _batch_id) > 1) d"
        ).fetchone()[0]
        assert dup == 0
        with pytest.raises(ValueError, match="inside the generated history"):
            generate_increment(conn, cfg.as_of)


@pytest.mark.parametrize("rate", [0.005, 0.015, 0.05])
def test_defect_rate_follows_the_setting(rate):
    from gtm.sources.generators import simulate
    from gtm.sources.generators.defects import inject
    from gtm.sources.generators.profile import load_profile

    sim = simulate(SMALL, load_profile(), SMALL.as_of)
    rows = defects = 0
    for table in DEFECT_PLAN:
        if table == "product_api_events":
            continue
        frame = sim.world.out.frame(table)
        _, records = inject(frame, SMALL.seed, rate)
        rows += len(frame)
        defects += len(records)
    # A chosen row is skipped only when its defect cannot apply (e.g. the column is already empty).
    assert 0.7 * rate <= defects / rows <= 1.1 * rate, defects / rows


def test_the_price_book_is_the_dbt_seed_and_the_profile_only_says_who_buys_what(tmp_path, monkeypatch):
    """One plan catalogue: the generator sells the plans and prices of dbt/seeds/plans.csv, as dim_plan."""
    import csv

    from gtm.sources.generators import profile as profile_mod

    with (profile_mod.DBT_PROJECT_DIR / "seeds" / "plans.csv").open(newline="") as f:
        seed = sorted(csv.DictReader(f), key=lambda r: int(r["plan_tier"]))
    plans = profile_mod.load_profile()["plans"]
    assert plans["names"] == [r["plan_name"] for r in seed] == ["Starter", "Growth", "Scale", "Enterprise"]
    assert plans["list_mrr"] == [float(r["list_mrr_amount"]) for r in seed] == [199.0, 449.0, 990.0, 2400.0]
    assert plans["mix"]["SMB"] == [0.7, 0.3, 0.0, 0.0]

    # A price changed in the seed (and a plan added) is what the generator then sells.
    edited = tmp_path / "plans.csv"
    rows = [dict(r) for r in seed] + [
        {**seed[-1], "plan_name": "Platinum", "plan_tier": "5", "list_mrr_amount": "5000.00"}
    ]
    rows[0]["list_mrr_amount"] = "249.00"
    with edited.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(seed[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setattr(profile_mod, "PLAN_CATALOGUE_PATH", edited)
    plans = profile_mod.load_profile()["plans"]
    assert plans["names"][-1] == "Platinum"
    assert plans["list_mrr"][0] == 249.0
    assert plans["mix"]["Enterprise"] == [0.0, 0.0, 0.3, 0.7, 0.0]

    # An override replaces a segment's mix whole; it can name the new plan, not one the book lacks.
    override = tmp_path / "override.toml"
    override.write_text("[plans.mix]\nSMB = { Starter = 1, Platinum = 1 }\n")
    assert profile_mod.load_profile(override)["plans"]["mix"]["SMB"] == [0.5, 0.0, 0.0, 0.0, 0.5]
    override.write_text("[plans.mix]\nSMB = { Diamond = 1 }\n")
    with pytest.raises(ValueError, match=r"plans.mix.SMB names Diamond, not in the price book"):
        profile_mod.load_profile(override)
    override.write_text("[plans]\nlist_mrr = [1, 2, 3, 4]\n")
    with pytest.raises(
        ValueError, match=r"unknown profile key 'plans.list_mrr' \(the price book is dbt/seeds"
    ):
        profile_mod.load_profile(override)

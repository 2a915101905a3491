"""`gtm demo` is repeatable: run over the built world it succeeds and leaves identical row counts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gtm.cli import app
from gtm.outputs.summary import layer_counts

runner = CliRunner()


@pytest.mark.slow
def test_demo_on_the_built_world_is_repeatable(built):
    """`gtm demo` over the session's built world (the same scale and seed) regenerates and rebuilds it: it
    succeeds and leaves identical row counts in every layer (no duplicates, nothing lost)."""
    counts_before = layer_counts("prod")
    second = runner.invoke(app, ["demo", "--scale", "0.05"])
    assert second.exit_code == 0, second.output
    counts_after = layer_counts("prod")
    assert counts_after == counts_before
    assert counts_after["bronze"]["crm_leads"] > 0 and counts_after["bronze"]["product_api_events"] > 0
    assert counts_after["marts"]["rpt_funnel_summary"] == 2
    for heading in (
        "Warehouse layers",
        "Marts",
        "GTM headline",
        "Top loss reason",
        "Attribution: share of pipeline by model",
        "Revenue (seed 002): ARR bridge",
        "O2R (seed 003): contraction or churn",
        "Last dbt run",
        "dbt packages:",
    ):
        assert heading in second.output


def test_generate_rejects_bad_arguments_with_exit_code_2(generated, transformer_conn):
    """Out-of-range arguments fail before anything is written: a clear message, exit code 2, no traceback."""
    written = (
        "select (select count(*) from bronze._load_batches), (select count(*) from bronze._generator_runs), "
        "(select count(*) from bronze.crm_leads)"
    )
    before = transformer_conn.execute(written).fetchone()
    cases = [
        (["--scale", "-1"], "scale must be a finite number > 0"),
        (["--scale", "0"], "scale must be a finite number > 0"),
        (["--scale", "inf"], "scale must be a finite number > 0"),
        (["--months", "0"], "months must be >= 1"),
        (["--seed", "-3"], "seed must be >= 0"),
        (["--as-of", "not-a-date"], "--as-of must be a date like"),
        (["--days", "0"], "--days must be >= 1"),
        (["--from-day", "2025-01-01"], "is inside the generated history"),
        (["--until", "2001-01-01"], "is before the first day to generate"),
        (["--as-of", "2000-01-01"], "lies outside the warehouse calendar"),
        (["--until", "2031-02-01"], "lies outside the warehouse calendar"),
    ]
    for arguments, message in cases:
        result = runner.invoke(app, ["generate", *arguments])
        assert result.exit_code == 2, (arguments, result.output)
        output = " ".join(result.output.split())  # the console wraps long lines
        assert message in output and "Traceback" not in output, (arguments, result.output)
    assert transformer_conn.execute(written).fetchone() == before

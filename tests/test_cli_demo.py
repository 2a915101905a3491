"""`gtm demo` is repeatable: a second run succeeds and leaves identical row counts (no duplicates)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from gtm.cli import app
from gtm.summary import layer_counts

runner = CliRunner()


@pytest.mark.slow
def test_demo_twice_gives_identical_counts(warehouse):
    first = runner.invoke(app, ["demo", "--scale", "0.05"])
    assert first.exit_code == 0, first.output
    counts_first = layer_counts("prod")
    second = runner.invoke(app, ["demo", "--scale", "0.05"])
    assert second.exit_code == 0, second.output
    assert layer_counts("prod") == counts_first
    assert counts_first["bronze"]["crm_leads"] > 0 and counts_first["bronze"]["product_api_events"] > 0
    assert counts_first["marts"]["rpt_funnel_summary"] == 2
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


def test_generate_rejects_bad_arguments_with_exit_code_2(warehouse):
    assert runner.invoke(app, ["generate", "--scale", "-1"]).exit_code == 2
    assert runner.invoke(app, ["generate", "--as-of", "not-a-date"]).exit_code == 2

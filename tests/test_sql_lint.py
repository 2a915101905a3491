"""The SQL lint gate: sqlfluff (dbt templater, .sqlfluff) plus the source line-length check, run by
`make lint`, a step of ci.yml and pr.yml. The whole project passing it is `make lint`'s job (about 1.5 min);
these tests prove the gate fails on a violation and is wired into both workflows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tools import sql_lint

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # sqlfluff over a dbt compile: kept out of the fast lane
def test_sqlfluff_fails_on_a_style_violation_in_a_model(warehouse):
    probe = ROOT / "dbt" / "models" / "zz_sql_lint_probe.sql"
    probe.write_text("SELECT 1 AS Probe_Value\n")  # upper-case keywords and a mixed-case identifier
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tools.sql_lint", "lint", str(probe)],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ.copy(),
        )
    finally:
        probe.unlink()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "CP01" in result.stdout and "CP02" in result.stdout, result.stdout


def test_source_lines_over_120_characters_fail(tmp_path):
    models = tmp_path / "dbt" / "models"
    models.mkdir(parents=True)
    (models / "ok.sql").write_text("select 1 as x\n")
    (models / "wide.sql").write_text("select 1 as x\n-- " + "x" * 118 + "\n")  # 121 characters
    assert sql_lint.long_source_lines(tmp_path / "dbt") == [
        "dbt/models/wide.sql:2: line is 121 characters (max 120)"
    ]


def test_make_lint_runs_sqlfluff_and_both_ci_workflows_run_make_lint():
    lint_recipe = (ROOT / "Makefile").read_text().split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "-m tools.sql_lint" in lint_recipe and "ruff check" in lint_recipe
    for workflow in ("ci.yml", "pr.yml"):
        steps = [
            step
            for job in yaml.safe_load((ROOT / ".github" / "workflows" / workflow).read_text())[
                "jobs"
            ].values()
            for step in job["steps"]
        ]
        assert any(step.get("run") == "make lint" for step in steps), workflow

"""The offline package stand-ins in dbt/offline_packages, exercised on good and bad rows.

One `dbt build` of the fixture project in ./project runs every generic test (each has an explicit
name); the tests below inspect the per-node results and read the built models back from Postgres.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE / "project"
OFFLINE_PACKAGES = HERE.parents[1] / "dbt" / "offline_packages"
SCHEMA = "standin_tests"  # fixed in project/profiles.yml
NULL_TOKEN = "_dbt_utils_surrogate_key_null_"
REQUIRED_ENV = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB")

# test macro -> [(test node name in project/seeds|models/schema.yml, expected status, failing rows)]
EXPECTED: dict[str, list[tuple[str, str, int]]] = {
    "dbt_utils.unique_combination_of_columns": [
        ("utils_unique_combination_good", "pass", 0),
        ("utils_unique_combination_quoted_good", "pass", 0),
        ("utils_unique_combination_bad", "fail", 2),  # two duplicated (a, b) pairs
    ],
    "dbt_utils.accepted_range": [
        ("utils_accepted_range_good", "pass", 0),  # bounds inclusive, null ignored
        ("utils_accepted_range_where_arg_good", "pass", 0),  # `where` argument drops the bad rows
        ("utils_accepted_range_min_only_good", "pass", 0),
        ("utils_accepted_range_bad", "fail", 2),  # -1 and 11
        ("utils_accepted_range_exclusive_bad", "fail", 2),  # inclusive=false rejects 0 and 10
    ],
    "dbt_utils.expression_is_true": [
        ("utils_expression_is_true_good", "pass", 0),
        ("utils_expression_is_true_column_good", "pass", 0),
        ("utils_expression_is_true_bad", "fail", 2),
        ("utils_expression_is_true_column_bad", "fail", 2),
    ],
    "dbt_utils.not_null_proportion": [
        ("utils_not_null_proportion_good", "pass", 0),  # 0.75 >= 0.7
        ("utils_not_null_proportion_bad", "fail", 1),  # 0.25 < 0.5
        ("utils_not_null_proportion_at_most_bad", "fail", 1),  # 0.75 > at_most 0.5
        ("utils_not_null_proportion_grouped_bad", "fail", 1),  # only the 'bad' group
    ],
    "dbt_expectations.expect_column_values_to_match_regex": [
        ("expect_regex_good", "pass", 0),
        ("expect_regex_backslash_good", "pass", 0),  # \d reaches Postgres unescaped
        ("expect_regex_bad", "fail", 3),  # lower case, wrong shape, null
        ("expect_regex_flags_bad", "fail", 2),  # flags=i accepts the lower-case code
    ],
    "dbt_expectations.expect_column_values_to_be_between": [
        ("expect_between_good", "pass", 0),
        ("expect_between_min_only_good", "pass", 0),
        ("expect_between_bad", "fail", 2),
        ("expect_between_strictly_bad", "fail", 2),  # strictly rejects the bounds 1 and 10
    ],
    "dbt_expectations.expect_table_row_count_to_be_between": [
        ("expect_row_count_good", "pass", 0),
        ("expect_row_count_row_condition_good", "pass", 0),
        ("expect_row_count_bad", "fail", 1),
        ("expect_row_count_strictly_bad", "fail", 1),
        ("expect_row_count_grouped_bad", "fail", 1),  # only the 'bad' group is too small
    ],
    "dbt_expectations.expect_column_pair_values_A_to_be_greater_than_B": [
        ("expect_pair_a_gt_b_good", "pass", 0),
        ("expect_pair_a_gt_b_bad", "fail", 2),
        ("expect_pair_a_gte_b_bad", "fail", 1),  # or_equal accepts the equal pair
    ],
    "dbt_expectations.expect_column_values_to_be_in_set": [
        ("expect_in_set_good", "pass", 0),
        ("expect_in_set_row_condition_good", "pass", 0),
        ("expect_in_set_unquoted_good", "pass", 0),
        ("expect_in_set_bad", "fail", 2),  # 'pending' and null
        ("expect_in_set_unquoted_bad", "fail", 2),
    ],
    "dbt_expectations.expect_row_values_to_have_recent_data": [
        ("expect_recent_data_good", "pass", 0),
        ("expect_recent_data_bad", "fail", 1),  # 30 days old; the future row must not count
        ("expect_recent_data_hourly_bad", "fail", 1),  # a day old is stale at 2 hours
        ("expect_recent_data_no_rows_bad", "fail", 1),
    ],
}
CASES = [(macro, *case) for macro, cases in EXPECTED.items() for case in cases]


@dataclass(frozen=True)
class Build:
    results: dict[str, Any]  # node name -> dbt RunResult
    target_path: Path
    conninfo: dict[str, str]

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def build(dbt_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Seeds, models and every generic test of the fixture project, built once for the module."""
    from dbt.cli.main import dbtRunner

    missing = [key for key in REQUIRED_ENV if key not in dbt_env]
    assert not missing, f"dbt_env lacks {missing}"
    tmp = tmp_path_factory.mktemp("standin_dbt")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in dbt_env.items():
            mp.setenv(key, str(value))
        mp.setenv(
            "DBT_PACKAGES_INSTALL_PATH", str(dbt_env.get("DBT_PACKAGES_INSTALL_PATH", OFFLINE_PACKAGES))
        )
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        res = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(tmp / "target"),
                "--log-path",
                str(tmp / "logs"),
                "--no-partial-parse",
                "--full-refresh",
            ]
        )
    # Failing tests are expected (res.success is False); a crash or compile error is not.
    assert res.exception is None, f"dbt build crashed: {res.exception!r}"
    assert res.result is not None, "dbt build returned no results"
    results = {r.node.name: r for r in res.result.results}
    conninfo = {
        "host": dbt_env["POSTGRES_HOST"],
        "port": str(dbt_env["POSTGRES_PORT"]),
        "user": dbt_env["POSTGRES_USER"],
        "password": dbt_env["POSTGRES_PASSWORD"],
        "dbname": dbt_env["POSTGRES_DB"],
    }
    return Build(results=results, target_path=tmp / "target", conninfo=conninfo)


def _status(result: Any) -> str:
    return str(getattr(result.status, "value", result.status))


def test_every_test_macro_has_a_passing_and_a_failing_case() -> None:
    for macro, cases in EXPECTED.items():
        assert {status for _, status, _ in cases} == {"pass", "fail"}, macro


def test_stand_ins_are_the_packages_loaded(build: Build) -> None:
    macros = json.loads((build.target_path / "manifest.json").read_text())["macros"]
    for macro in ("generate_surrogate_key", "date_spine", "get_single_value", "star"):
        assert f"macro.dbt_utils.{macro}" in macros
    assert "macro.dbt_expectations.test_expect_row_values_to_have_recent_data" in macros
    assert "macro.dbt_date.now" in macros
    # The real dbt_utils ships pivot; its absence shows the stand-ins, not an installed package, were used.
    assert "macro.dbt_utils.pivot" not in macros


def test_seeds_and_models_build(build: Build) -> None:
    non_tests = {name: r for name, r in build.results.items() if r.node.resource_type != "test"}
    assert len(non_tests) == 15
    assert {name: _status(r) for name, r in non_tests.items()} == dict.fromkeys(non_tests, "success")


@pytest.mark.parametrize(
    ("macro", "test_name", "status", "failures"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES]
)
def test_generic_test_result(build: Build, macro: str, test_name: str, status: str, failures: int) -> None:
    result = build.results[test_name]
    namespace, name = macro.split(".")
    assert (result.node.test_metadata.namespace, result.node.test_metadata.name) == (namespace, name)
    assert (_status(result), result.failures) == (status, failures), result.message


def test_generate_surrogate_key(build: Build) -> None:
    rows = build.query(f"select id, key_ab, key_b from {SCHEMA}.surrogate_keys order by id")

    def md5(text: str) -> str:
        return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()

    assert rows == [
        (1, md5("1-x"), md5("x")),
        (2, md5(f"{NULL_TOKEN}-y"), md5("y")),
        (3, md5(f"{NULL_TOKEN}-{NULL_TOKEN}"), md5(NULL_TOKEN)),
    ]
    # A null must not hash like an empty string.
    assert rows[1][1] != md5("-y")


def test_date_spine_days_excludes_end_date(build: Build) -> None:
    [row] = build.query(
        "select count(*), count(distinct date_day), min(date_day), max(date_day)"
        f" from {SCHEMA}.date_spine_days"
    )
    assert row == (366, 366, datetime(2024, 1, 1), datetime(2024, 12, 31))


def test_date_spine_months(build: Build) -> None:
    rows = build.query(f"select date_month from {SCHEMA}.date_spine_months order by 1")
    assert [r[0].date() for r in rows] == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def test_get_single_value(build: Build) -> None:
    # first row/column of a query, and the default when the query returns no rows
    assert build.query(f"select max_id, first_name, fallback from {SCHEMA}.single_value_check") == [
        (1, "a", -1)
    ]


def _columns(build: Build, table: str) -> list[str]:
    rows = build.query(
        "select column_name from information_schema.columns"
        f" where table_schema = '{SCHEMA}' and table_name = '{table}' order by ordinal_position"
    )
    return [r[0] for r in rows]


def _compiled(build: Build, model: str) -> str:
    return (build.target_path / "compiled" / "standin_tests" / "models" / f"{model}.sql").read_text()


def test_star_alias_except_prefix_suffix(build: Build) -> None:
    # `except` matches case-insensitively; identifiers are quoted by default
    assert _columns(build, "star_check") == ["p_id_s", "p_name_s", "p_created_on_s"]
    assert 'src."id" as "p_id_s"' in _compiled(build, "star_check")


def test_star_unquoted_all_columns(build: Build) -> None:
    assert _columns(build, "star_plain") == ["id", "name", "secret_token", "created_on"]
    assert "select id,\n" in _compiled(build, "star_plain")

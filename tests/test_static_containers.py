"""Static validation of Dockerfile, docker-compose.yml, .env.example and the CI workflow.

Each check runs on the real files (must be clean) and on a deliberately broken copy (must complain), so a
check that silently stopped working would fail here too. No Docker engine and no database needed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import static_checks as sc

ROOT = sc.REPO_ROOT
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
WORKFLOWS = ROOT / ".github" / "workflows"
CONTRACT = ROOT / "docs" / "CONTRACT.md"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _broken_compose(tmp_path: Path, old: str, new: str) -> Path:
    text = COMPOSE.read_text()
    assert old in text, f"fixture anchor {old!r} no longer in docker-compose.yml"
    return _write(tmp_path / "docker-compose.yml", text.replace(old, new, 1))


# --- the real files pass ---------------------------------------------------------------------------


def test_compose_matches_compose_spec():
    assert sc.check_compose_schema(COMPOSE) == []


def test_compose_references_resolve_and_images_are_pinned():
    assert sc.check_compose_references(COMPOSE) == []


def test_workflows_match_github_schema():
    assert sc.check_workflows(WORKFLOWS) == []


def test_dockerfile_passes_hadolint():
    assert sc.check_dockerfile(DOCKERFILE) == []


def test_dockerfile_copy_sources_exist():
    assert sc.check_dockerfile_sources(DOCKERFILE, ROOT) == []


def test_env_example_declares_compose_variables_without_secrets():
    assert sc.check_env_example(COMPOSE, ENV_EXAMPLE) == []


def test_env_example_documents_contract_variables():
    assert sc.check_contract_documented(CONTRACT, ENV_EXAMPLE) == []


def test_main_exits_zero_on_repository(capsys):
    assert sc.main(["--root", str(ROOT)]) == 0
    assert "static checks passed" in capsys.readouterr().out


# --- each check can fail ---------------------------------------------------------------------------


def test_compose_schema_rejects_unknown_service_key(tmp_path):
    broken = _broken_compose(tmp_path, "  warehouse:\n", "  warehouse:\n    not_a_compose_key: true\n")
    problems = sc.check_compose_schema(broken)
    assert any("not_a_compose_key" in p for p in problems), problems


def test_compose_schema_rejects_wrong_type(tmp_path):
    broken = _broken_compose(tmp_path, "      retries: 30\n", "      retries: [30]\n")
    assert sc.check_compose_schema(broken)


def test_compose_references_catch_dangling_names_and_unpinned_images(tmp_path):
    broken = _write(
        tmp_path / "docker-compose.yml",
        "services:\n  app:\n    image: postgres\n    depends_on: [nowhere]\n"
        "    volumes: [undeclared:/data, ./local:/src, {type: volume, source: also-undeclared, target: /x}]\n"
        "  latest:\n    image: metabase/metabase:latest\n"
        "  built:\n    build: .\n    image: local-only\n",
    )
    problems = "\n".join(sc.check_compose_references(broken))
    assert "unknown service 'nowhere'" in problems
    assert "'undeclared' missing" in problems and "'also-undeclared' missing" in problems
    assert "app image 'postgres' is not pinned" in problems
    assert "latest image 'metabase/metabase:latest' is not pinned" in problems
    assert "built" not in problems and "local" not in problems


def test_workflow_schema_rejects_job_without_runner(tmp_path):
    workflow = _write(
        tmp_path / "workflows" / "ci.yml",
        "name: CI\non: push\njobs:\n  test:\n    timeout-minutes: 5\n    steps:\n      - run: make test\n",
    )
    problems = sc.check_workflows(workflow.parent)
    assert any("vendor.github-workflows" in p for p in problems), problems


def test_workflow_schema_requires_timeout(tmp_path):
    workflow = _write(
        tmp_path / "workflows" / "ci.yml",
        "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: make test\n",
    )
    problems = sc.check_workflows(workflow.parent)
    assert problems and all("require-timeout" in p for p in problems), problems


def test_workflow_check_reports_empty_directory(tmp_path):
    assert sc.check_workflows(tmp_path) == [f"{tmp_path}: no workflow files found"]


def test_hadolint_flags_unpinned_image_and_apt(tmp_path):
    dockerfile = _write(tmp_path / "Dockerfile", "FROM ubuntu:latest\nRUN apt-get install foo\n")
    codes = " ".join(sc.check_dockerfile(dockerfile))
    assert "DL3007" in codes  # :latest
    assert "DL3008" in codes  # unpinned apt package


def test_copy_sources_missing_or_dockerignored(tmp_path):
    _write(tmp_path / "present.txt", "x")
    _write(tmp_path / "ignored" / "file.txt", "x")
    _write(tmp_path / ".dockerignore", "**/ignored\n")
    dockerfile = _write(
        tmp_path / "Dockerfile",
        "FROM scratch AS base\nCOPY --from=base /x /x\nADD https://example.com/a.tgz /tmp/\n"
        "COPY <<EOF /etc/motd\nhello\nEOF\n"
        "COPY present.txt \\\n  # comment inside a continuation\n  missing/ /app/\nCOPY ignored/ /app/\n",
    )
    problems = sc.check_dockerfile_sources(dockerfile, tmp_path)
    assert len(problems) == 2, problems
    assert "'missing/' does not exist" in problems[0]
    assert "'ignored/' is excluded" in problems[1]


def test_undeclared_compose_variable_is_reported(tmp_path):
    broken = _broken_compose(
        tmp_path,
        "      MB_DB_TYPE: h2\n",
        "      MB_DB_TYPE: h2\n      EXTRA: ${UNDECLARED_FOR_TEST:-x} $${ESCAPED_NOT_A_VARIABLE}\n",
    )
    problems = sc.check_env_example(broken, ENV_EXAMPLE)
    assert len(problems) == 1, problems
    assert "UNDECLARED_FOR_TEST" in problems[0]


def test_commented_out_line_does_not_declare_compose_variable(tmp_path):
    env = ENV_EXAMPLE.read_text()
    assert "\nPOSTGRES_DB=gtm\n" in env
    env_file = _write(tmp_path / ".env.example", env.replace("\nPOSTGRES_DB=gtm\n", "\n# POSTGRES_DB=gtm\n"))
    problems = sc.check_env_example(COMPOSE, env_file)
    assert any("POSTGRES_DB" in p for p in problems), problems


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("POSTGRES_PASSWORD=hunter2", "secret values must be empty"),
        ("AIRFLOW_CONN_GTM_WAREHOUSE=postgresql://gtm:S3cretPw@warehouse/gtm", "secret values must be empty"),
        ("ANALYTICS_URL=postgresql://gtm:S3cretPw@warehouse/gtm", "password in a URL"),
        ("NOTIFY_URL=https://hooks.slack.com/services/T000/B000/XXXX", "API token"),
        ("SOME_SETTING=Zx9vQ2mL7pR4tY8wK1nB6cF3", "generated secret"),
    ],
)
def test_real_looking_secret_is_reported(tmp_path, line, reason):
    env_file = _write(tmp_path / ".env.example", f"# A documented setting.\n{line}\n")
    compose = _write(tmp_path / "docker-compose.yml", "services: {}\n")
    problems = sc.check_env_example(compose, env_file)
    assert len(problems) == 1 and reason in problems[0], problems


def test_placeholders_and_plain_values_are_accepted(tmp_path):
    env_file = _write(
        tmp_path / ".env.example",
        "# Password.\nPOSTGRES_PASSWORD=change-me-please\n# Optional URI.\nAIRFLOW_CONN_X=\n"
        "# Image tag.\nGTM_IMAGE=gtm-revenue-warehouse:local\n"
        "# Commented-out example.\n# GTM_HOME=./.gtm\n",
    )
    compose = _write(tmp_path / "docker-compose.yml", "services: {}\n")
    assert sc.check_env_example(compose, env_file) == []


def test_env_example_format_problems(tmp_path):
    env_file = _write(
        tmp_path / ".env.example", "NO_COMMENT=1\n# Dup.\nDUP=1\n# Dup.\nDUP=2\nnot an assignment\n"
    )
    compose = _write(tmp_path / "docker-compose.yml", "services: {}\n")
    problems = "\n".join(sc.check_env_example(compose, env_file))
    assert "NO_COMMENT has no comment line" in problems
    assert "DUP is assigned more than once" in problems
    assert "not a NAME=value line" in problems


def test_contract_variable_missing_from_env_example(tmp_path):
    env = ENV_EXAMPLE.read_text()
    assert "# GTM_PG_PORT=55432\n" in env
    env_file = _write(tmp_path / ".env.example", env.replace("# GTM_PG_PORT=55432\n", ""))
    problems = sc.check_contract_documented(CONTRACT, env_file)
    assert len(problems) == 1 and "GTM_PG_PORT" in problems[0], problems


def test_interpolation_parser():
    text = "${A} $B ${C:-${D:?need D}} $$E $${F} ${G-x} ${H:+y} plain"
    assert sc.interpolated_names(text) == {"A", "B", "C", "D", "G", "H"}


def test_main_lists_problems_and_fails(tmp_path, capsys):
    for name in ("docker-compose.yml", ".env.example", "Dockerfile", ".dockerignore"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(WORKFLOWS, tmp_path / ".github" / "workflows")
    _write(tmp_path / "docs" / "CONTRACT.md", CONTRACT.read_text())
    (tmp_path / "Dockerfile").write_text("FROM ubuntu:latest\n")
    assert sc.main(["--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "DL3007" in err
    assert "static check problem(s)" in err


def test_workflows_pass_the_zizmor_security_audit():
    assert sc.check_workflow_security(WORKFLOWS, ROOT / ".github" / "zizmor.yml") == []


def test_zizmor_rejects_template_injection_and_unpinned_third_party_actions(tmp_path):
    workflow = _write(
        tmp_path / "workflows" / "pr.yml",
        "name: bad\non: pull_request\npermissions: {}\njobs:\n  greet:\n    runs-on: ubuntu-latest\n"
        "    timeout-minutes: 5\n    steps:\n"
        "      - uses: someone/action@main\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
    )
    problems = sc.check_workflow_security(workflow.parent, ROOT / ".github" / "zizmor.yml")
    assert any("template-injection" in p for p in problems), problems
    assert any("unpinned-uses" in p for p in problems), problems


def test_lint_fails_on_a_ruff_violation(tmp_path):
    """`make lint` (the first step of ci.yml) runs ruff over the repository: a violation fails it."""
    import subprocess
    import sys

    bad = _write(tmp_path / "bad.py", "import os\n")
    ruff = Path(sys.executable).with_name("ruff")
    result = subprocess.run([str(ruff), "check", str(bad)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "F401" in result.stdout


def test_pre_commit_config_is_valid_and_uses_only_local_hooks():
    import subprocess
    import sys

    import yaml

    config = ROOT / ".pre-commit-config.yaml"
    pre_commit = Path(sys.executable).with_name("pre-commit")
    command = [str(pre_commit), "validate-config", str(config)]
    result = subprocess.run(command, capture_output=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = yaml.safe_load(config.read_text())["repos"]
    assert [repo["repo"] for repo in hooks] == ["local"]  # nothing to download at commit time
    assert {"ruff-check", "ruff-format", "static-checks"} <= {hook["id"] for hook in hooks[0]["hooks"]}


def _env_example() -> dict[str, str]:
    """.env.example's values: what a user puts in .env, here its placeholders."""
    return dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    )


def _resolve(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME:-default} / ${NAME:?message} interpolation, enough for the services checked here."""
    import re

    def one(match: re.Match) -> str:
        name, operator, rest = match.group(1), match.group(2), match.group(3)
        if env.get(name) or (operator is None and name in env):
            return env[name]  # with ":-" and ":?" compose treats an empty value as unset
        if operator == ":-":
            return _resolve(rest, env)
        raise AssertionError(f"{name} is required by docker-compose.yml ({rest})")

    return re.sub(r"\$\{(\w+)(:-|:\?)?((?:[^{}]|\{[^{}]*\})*)\}", one, value)


def test_metabase_init_wires_metabase_to_the_marts_as_bi_reader():
    import yaml

    from gtm.outputs.metabase import MetabaseSetup

    services = yaml.safe_load(COMPOSE.read_text())["services"]
    init = services["metabase-init"]
    assert init["depends_on"]["metabase"]["condition"] == "service_healthy"
    assert init["entrypoint"] == ["python", "-m", "gtm.outputs.metabase"]
    # The values a user puts in .env (here: .env.example's placeholders) reach the setup unchanged.
    dotenv = _env_example()
    env = {key: _resolve(str(value), dotenv) for key, value in init["environment"].items()}
    database = MetabaseSetup.from_env(env).database_payload()
    assert database["details"] == {
        "host": "warehouse",
        "port": 5432,
        "dbname": dotenv["POSTGRES_DB"],
        "user": dotenv["BI_READER_USER"],
        "password": dotenv["BI_READER_PASSWORD"],
        "ssl": False,
        "schema-filters-type": "inclusion",
        "schema-filters-patterns": "marts",
    }
    assert env["METABASE_URL"] == "http://metabase:3000"
    assert "metabase" in services and "metabase-init" not in services["metabase"].get("depends_on", {})


def test_compose_airflow_runs_this_repos_dags_with_the_warehouse_connection():
    import re

    import yaml

    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    airflow = {
        name: s for name, s in services.items() if name.startswith("airflow-") and name != "airflow-init"
    }
    assert set(airflow) == {
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    }
    # Celery workers and their broker only with the `celery` profile; every other service always.
    assert services["airflow-worker"]["profiles"] == ["celery"] == services["redis"]["profiles"]
    assert services["airflow-worker"]["command"] == "celery worker"
    dotenv = _env_example()
    dockerfile_dags = re.search(r"AIRFLOW__CORE__DAGS_FOLDER=(\S+)", (ROOT / "Dockerfile").read_text()).group(
        1
    )
    for name, service in airflow.items():
        env = {key: _resolve(str(value), dotenv) for key, value in service["environment"].items()}
        # The same DAG files as `gtm airflow start`: the repository's folder, mounted read-only.
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == dockerfile_dags, name
        assert f"./airflow/dags:{dockerfile_dags}:ro" in service["volumes"], name
        # The same connection id and settings the DAGs read (gtm.orchestration.dag_config).
        assert env["AIRFLOW_CONN_GTM_WAREHOUSE"] == (
            f"postgresql://{dotenv['POSTGRES_USER']}:{dotenv['POSTGRES_PASSWORD']}@warehouse:5432/{dotenv['POSTGRES_DB']}"
        ), name
        # LocalExecutor unless .env says CeleryExecutor (with --profile celery); broker: the redis service.
        assert env["AIRFLOW__CORE__EXECUTOR"] == dotenv["AIRFLOW_EXECUTOR"] == "LocalExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
        assert {"GTM_ALERT_WEBHOOK_URL", "GTM_LANDING_DIR", "GTM_DOCS_DIR", "GTM_PROD_STATE_DIR"} <= set(
            env
        ), name
        assert f"./landing:{env['GTM_LANDING_DIR']}" in service["volumes"], name

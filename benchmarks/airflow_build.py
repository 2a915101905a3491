"""Airflow build benchmark (a script, never a test):
`python -m benchmarks.airflow_build [--scale 0.05] [--no-scheduler] [--reliable-retry-too]`.

On the fixed-seed world of `--scale` (its own database, `gtm_bench_airflow`, on the running warehouse), times
three cold builds of the same world, each after dropping every dbt schema:

1. `gtm build --target prod` (plain dbt build, 4 threads), the reference;
2. the production `gtm_build` DAG with `dag.test()` (one process, tasks one after another);
3. the same DAG under the real scheduler: `gtm airflow start` (LocalExecutor, each task its own process),
   a run triggered through the REST API, timed from its start to its end as Airflow records them.

`--reliable-retry-too` adds a `dag.test()` run with cosmos's `ENABLE_WATCHER_RELIABLE_RETRY` on, the
setting gtm turns off. Writes its section of benchmarks/BENCHMARKS_AIRFLOW.md (the DAG import times,
`python -m benchmarks.dags`, keep theirs).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from benchmarks.build import _drop_dbt_schemas
from gtm.settings import AIRFLOW_DAGS_DIR, REPO_ROOT, gtm_home, load_settings

BENCH_DB = "gtm_bench_airflow"
OUT = REPO_ROOT / "benchmarks" / "BENCHMARKS_AIRFLOW.md"
SECTION = "## gtm_build through Airflow vs a plain build"
TARGET_RATIO = 1.5
GTM = Path(sys.executable).with_name("gtm")

DAG_TEST = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["gtm_build"]
started = time.perf_counter()
run = dag.test()
seconds = time.perf_counter() - started
states = {}
for ti in run.get_task_instances():
    states[ti.state] = states.get(ti.state, 0) + 1
print(json.dumps({"seconds": seconds, "state": run.state, "tasks": len(dag.tasks), "states": states}))
"""


def _world(scale: float):
    from gtm.sources.generators import GeneratorConfig, generate_history

    settings = dataclasses.replace(load_settings(), database=BENCH_DB)
    with psycopg.connect(settings.url(settings.admin, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DB)))
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(BENCH_DB), sql.Identifier(settings.transformer.user)
            )
        )
    with psycopg.connect(settings.url()) as conn:
        generate_history(conn, GeneratorConfig(scale=scale, seed=42))
    return settings


def _env(published: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, POSTGRES_DB=BENCH_DB, DBT_TARGET="prod")
    env.update(load_settings().airflow_env())
    env.update(
        {
            "AIRFLOW_CONN_GTM_WAREHOUSE": dataclasses.replace(load_settings(), database=BENCH_DB).url(
                driver="postgresql"
            ),
            "AIRFLOW_HOME": str(gtm_home() / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(AIRFLOW_DAGS_DIR),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "GTM_PROD_STATE_DIR": str(published / "prod-state"),
            "GTM_DOCS_DIR": str(published / "docs"),
            "COLUMNS": "200",
        }
    )
    env.pop("GTM_DBT_SELECT", None)
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 3600) -> subprocess.CompletedProcess:
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def plain_build(settings, env) -> float:
    _drop_dbt_schemas(settings.url())
    started = time.perf_counter()
    _run([str(GTM), "build", "--target", "prod"], env)
    return time.perf_counter() - started


def dag_test(settings, env) -> dict:
    _drop_dbt_schemas(settings.url())
    started = time.perf_counter()
    result = _run([sys.executable, "-c", DAG_TEST, str(AIRFLOW_DAGS_DIR / "gtm_build.py")], env)
    sample = json.loads(result.stdout.strip().splitlines()[-1])
    sample["process_seconds"] = time.perf_counter() - started
    if sample["state"] != "success":
        raise SystemExit(f"gtm_build dag.test() ended {sample['state']}: {sample['states']}")
    return sample


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(url: str, method: str, path: str, token: str | None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
        return json.loads(response.read() or b"null")


def scheduler_run(settings, env, timeout: float = 3600) -> dict:
    """One triggered gtm_build run under `gtm airflow start` (LocalExecutor); always stops Airflow."""
    _drop_dbt_schemas(settings.url())
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    _run([str(GTM), "airflow", "start", "--port", str(port)], env, timeout=600)
    try:
        token = _api(url, "GET", "/auth/token", None)["access_token"]
        _api(url, "PATCH", "/api/v2/dags/gtm_build", token, {"is_paused": False})
        triggered = time.perf_counter()
        run = _api(url, "POST", "/api/v2/dags/gtm_build/dagRuns", token, {"logical_date": None})
        path = f"/api/v2/dags/gtm_build/dagRuns/{run['dag_run_id']}"
        while (run := _api(url, "GET", path, token))["state"] not in ("success", "failed"):
            if time.perf_counter() - triggered > timeout:
                raise SystemExit(f"gtm_build did not finish within {timeout:.0f} s under the scheduler")
            time.sleep(5)
        queued = time.perf_counter() - triggered
        started = datetime.fromisoformat(run["start_date"])
        ended = datetime.fromisoformat(run["end_date"])
        if run["state"] != "success":
            raise SystemExit(f"gtm_build ended {run['state']} under the scheduler")
        return {"seconds": (ended - started).total_seconds(), "trigger_to_end": queued}
    finally:
        subprocess.run([str(GTM), "airflow", "stop"], env=env, capture_output=True, timeout=300, check=False)


def section(scale: float, plain: float, test: dict, scheduler: dict | None, reliable: dict | None) -> str:
    def verdict(ratio: float) -> str:
        return "met" if ratio <= TARGET_RATIO else f"NOT met ({ratio / TARGET_RATIO:.1f}x over)"

    rows = [("`gtm build --target prod` (plain dbt build, 4 threads)", plain, None)]
    rows.append((f"`gtm_build`, `dag.test()` ({test['tasks']} tasks, one process)", test["seconds"], 1))
    if reliable:
        rows.append(("the same, cosmos watcher reliable retry on", reliable["seconds"], 1))
    if scheduler:
        rows.append(("`gtm_build` under `gtm airflow start` (LocalExecutor)", scheduler["seconds"], 1))
    lines = [
        SECTION,
        "",
        f"`python -m benchmarks.airflow_build --scale {scale:g}` on {datetime.now(UTC):%Y-%m-%d}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs (shared: ratios, not seconds, are the measure). "
        f"Cold builds of the fixed-seed world at scale {scale:g} (every dbt schema dropped before each). "
        f"Target: Airflow wall / plain build <= {TARGET_RATIO}.",
        "",
        "| build | wall (s) | / plain build | target |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, seconds, judged in rows:
        ratio = seconds / plain
        lines.append(f"| {name} | {seconds:.1f} | {ratio:.2f} | {verdict(ratio) if judged else ''} |")
    lines += [
        "",
        "`gtm_build` runs in cosmos's watcher mode: one `dbt build` (the producer, after `dbt source "
        "freshness`) and one watching task per seed, snapshot, model, source and test group, started "
        "once the producer is done; then the docs site and the production state (`dbt docs generate`, "
        "which the plain build does not do) and the mart Assets. The plain build's wall includes its "
        "process start; the scheduler's is the run's start to end as Airflow records it.",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, out: Path = OUT) -> None:
    """Replace this benchmark's section of the file (from its heading to the next `## `), keep the rest."""
    current = out.read_text() if out.exists() else ""
    if SECTION in current:
        before, _, after = current.partition(SECTION)
        rest = after.split("\n## ", 1)
        after = "\n## " + rest[1] if len(rest) == 2 else ""
        current = before.rstrip("\n") + "\n\n" + text + after
    else:
        current = current.rstrip("\n") + ("\n\n" if current else "") + text
    out.write_text(current)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--no-scheduler", action="store_true", help="skip the real-scheduler run")
    parser.add_argument("--reliable-retry-too", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    settings = _world(args.scale)
    with tempfile.TemporaryDirectory(prefix="gtm-bench-airflow-") as published:
        env = _env(Path(published))
        _run([str(GTM), "dbt", "parse"], env)  # the manifest the DAG renders from
        _run([sys.executable, "-m", "airflow", "db", "migrate"], env)
        plain = plain_build(settings, env)
        print(f"plain build: {plain:.1f} s", flush=True)
        test = dag_test(settings, env)
        print(f"dag.test(): {test}", flush=True)
        reliable = None
        if args.reliable_retry_too:
            reliable = dag_test(settings, {**env, "AIRFLOW__COSMOS__ENABLE_WATCHER_RELIABLE_RETRY": "True"})
            print(f"dag.test() with reliable retry: {reliable}", flush=True)
        write_section(section(args.scale, plain, test, None, reliable), args.out)  # kept if the next fails
        scheduler = None if args.no_scheduler else scheduler_run(settings, env)
        print(f"scheduler: {scheduler}", flush=True)
    text = section(args.scale, plain, test, scheduler, reliable)
    write_section(text, args.out)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

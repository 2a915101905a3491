"""DAG import-time benchmark (a script, never a test):
`python -m benchmarks.dags [--runs 5] [--out BENCHMARKS_AIRFLOW.md]`.

Parses every file of airflow/dags/ the way the dag-processor does: in a fresh process, with Airflow
already imported, `DagBag` on the one file. It reports the parse time Airflow itself records
(`dagbag_stats`, the figure its `dagbag_import_timeout` applies to) and the process's whole cold start,
median and worst of `--runs`. The DAGs render from the dbt manifest (`gtm dbt parse` writes it), so the
figures hold for this project's size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from gtm.orchestration.dag_config import manifest_path
from gtm.settings import AIRFLOW_DAGS_DIR, REPO_ROOT

TARGET_SECONDS = 2.0

PROBE = """
import json, sys, time
started = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
import airflow.sdk
ready = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
done = time.perf_counter()
(stat,) = bag.dagbag_stats
print(json.dumps({
    "parse": stat.duration.total_seconds(), "tasks": stat.task_num, "dags": sorted(bag.dags),
    "errors": list(bag.import_errors.values()), "airflow_import": ready - started, "total": done - started,
}))
"""


def measure(path: Path, runs: int, env: dict[str, str]) -> dict:
    samples = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, env=env, check=False
        )
        if result.returncode != 0:
            raise SystemExit(f"{path.name}: the probe failed\n{result.stderr[-2000:]}")
        sample = json.loads(result.stdout.strip().splitlines()[-1])
        if sample["errors"]:
            raise SystemExit(f"{path.name}: import errors\n{sample['errors']}")
        samples.append(sample)
    parse = [s["parse"] for s in samples]
    total = [s["total"] for s in samples]
    return {
        "file": path.name,
        "dags": ", ".join(samples[0]["dags"]),
        "tasks": samples[0]["tasks"],
        "parse_median": statistics.median(parse),
        "parse_worst": max(parse),
        "cold_median": statistics.median(total),
    }


def report(rows: list[dict], runs: int) -> str:
    lines = [
        "# Airflow DAG import times",
        "",
        f"`python -m benchmarks.dags --runs {runs}` on {datetime.now(UTC):%Y-%m-%d}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}. "
        f"Target: every file parses in under {TARGET_SECONDS:.0f} s.",
        "",
        "*Parse* is what Airflow records for the file (`dagbag_stats`; what `dagbag_import_timeout` limits): "
        "the file's own imports (cosmos, the project) and rendering the DAG from the dbt manifest. *Cold "
        "process* adds importing Airflow itself, which the dag-processor has done already.",
        "",
        "| DAG file | DAGs | tasks | parse, median (s) | parse, worst (s) | cold process, median (s) |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| `{r['file']}` | {r['dags']} | {r['tasks']} | {r['parse_median']:.2f} | "
            f"{r['parse_worst']:.2f} | {r['cold_median']:.2f} |"
        )
    worst = max(rows, key=lambda r: r["parse_worst"])
    verdict = "under" if worst["parse_worst"] < TARGET_SECONDS else "OVER"
    lines += [
        "",
        f"Slowest: `{worst['file']}`, {worst['parse_worst']:.2f} s worst ({verdict} the target).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "BENCHMARKS_AIRFLOW.md")
    args = parser.parse_args(argv)
    if not manifest_path().exists():
        raise SystemExit(f"{manifest_path()} does not exist: run `gtm dbt parse` first")
    env = {
        **os.environ,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    }
    env.setdefault("AIRFLOW_HOME", str(REPO_ROOT / ".gtm" / "airflow"))
    env.pop("GTM_DBT_SELECT", None)  # production renders the whole project
    rows = [measure(path, args.runs, env) for path in sorted(AIRFLOW_DAGS_DIR.glob("*.py"))]
    text = report(rows, args.runs)
    # Sections other benchmarks write into the same file (`## ...`, e.g. benchmarks.airflow_build) stay.
    kept = args.out.read_text().split("\n## ", 1)[1:] if args.out.exists() else []
    args.out.write_text(text + "".join(f"\n## {section}" for section in kept))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

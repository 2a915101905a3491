"""`gtm airflow start|status|stop`: a local Airflow (api-server, scheduler, dag-processor, triggerer, no
Docker) on the test warehouse, seen through its CLI, a real browser and its REST API.

The CLI runs as a subprocess with the suite's environment (GTM_HOME, GTM_PG_PORT, AIRFLOW_HOME and the
manifest path conftest exports) on a free port. Headless Chromium (support.browser) opens the UI's DAG list
and
gtm_build's graph; screenshots go to <GTM_TEST_HOME>/screenshots/airflow/. A run of gtm_freshness
(`dbt source freshness` on the generated bronze), triggered through the REST API, proves that the
scheduler, the LocalExecutor and the execution API work together.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from conftest import TEST_HOME
from gtm.orchestration import local_airflow as airflow_local
from gtm.settings import AIRFLOW_DAGS_DIR
from support.browser import Browser, headless_chromium

pytestmark = pytest.mark.slow

GTM = Path(sys.executable).with_name("gtm")
SCREENSHOTS = TEST_HOME / "screenshots" / "airflow"
TRIGGERED_DAG = "gtm_freshness"
GRAPH_DAG = "gtm_build"
RUN_TIMEOUT = 180.0
# The Airflow 3.3 UI keeps the DAG page's view (grid or graph) in this localStorage key, JSON-encoded.
DAG_VIEW_KEY = "default_dag_view"
# No console error is expected from the Airflow UI; a known-benign one would be listed here, with its reason.
BENIGN_CONSOLE_ERRORS: tuple[re.Pattern[str], ...] = ()


def gtm_env() -> dict[str, str]:
    # The suite's environment (test home, port, manifest); no cron schedules: only the run this test
    # triggers may start, so an hourly DAG's catch-up run never delays or competes with it.
    return dict(os.environ, AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False", COLUMNS="200")


def gtm(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GTM), *args], env=gtm_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_dag_folder():
    """Every DAG of the folder, parsed here, independently of the running Airflow."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(AIRFLOW_DAGS_DIR))
    assert bag.import_errors == {}, bag.import_errors
    return bag


class Api:
    """The REST API as the UI's own user: with all-admins, GET /auth/token hands out a token, no login."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.token = self.call("GET", "/auth/token", auth=False)["access_token"]

    def call(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        # http://127.0.0.1 only (the fixture's URL): no file: or custom schemes can reach these calls.
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"null")


@dataclass
class LocalAirflow:
    port: int
    url: str
    start_seconds: float
    dagbag: Any  # the DagBag of the DAG folder


@pytest.fixture(scope="module")
def local_airflow(request, manifest, airflow_db) -> Iterator[LocalAirflow]:
    """`gtm airflow start` on a free port; always `gtm airflow stop` afterwards. While Airflow starts, the
    DAG folder is parsed here and bronze is generated (the triggered run checks its freshness)."""
    port = free_port()
    started = time.monotonic()
    start = subprocess.Popen(
        [str(GTM), "airflow", "start", "--port", str(port)],
        env=gtm_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        dagbag = parse_dag_folder()
        request.getfixturevalue("generated")
        stdout, stderr = start.communicate(timeout=300)
        seconds = time.monotonic() - started
        assert start.returncode == 0, stdout + stderr
        print(f"\ngtm airflow start: {seconds:.1f}s\n{stdout}")
        yield LocalAirflow(port, f"http://127.0.0.1:{port}", seconds, dagbag)
    finally:
        if start.poll() is None:
            start.kill()
            start.wait()
        stopped = gtm("airflow", "stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


@pytest.fixture(scope="module")
def triggered_run(local_airflow: LocalAirflow) -> tuple[Api, str]:
    """A gtm_freshness run, unpaused and triggered through the REST API; it runs while the UI is checked."""
    assert TRIGGERED_DAG in local_airflow.dagbag.dag_ids, f"{TRIGGERED_DAG} is not in {AIRFLOW_DAGS_DIR}"
    api = Api(local_airflow.url)
    assert api.call("PATCH", f"/api/v2/dags/{TRIGGERED_DAG}", {"is_paused": False})["is_paused"] is False
    run = api.call("POST", f"/api/v2/dags/{TRIGGERED_DAG}/dagRuns", {"logical_date": None})
    return api, run["dag_run_id"]


def console_errors(browser: Browser) -> list[str]:
    return [
        entry["message"]
        for entry in browser.console_errors()
        if not any(pattern.search(entry["message"]) for pattern in BENIGN_CONSOLE_ERRORS)
    ]


def test_ui_lists_every_dag_and_draws_the_build_graph(local_airflow: LocalAirflow, triggered_run):
    url = local_airflow.url
    expected = sorted(local_airflow.dagbag.dag_ids)
    started = time.monotonic()
    with headless_chromium(timeout=30) as browser:
        # Unauthenticated, the UI sends the browser through /auth/token/login (all-admins) and back.
        browser.open(f"{url}/dags")
        browser.wait_for_text(f"{len(expected)} Dags")
        links = {
            link.text.strip()
            for link in browser.driver.find_elements(By.CSS_SELECTOR, "a[href*='/dags/']")
            if link.is_displayed()
        }
        missing = sorted(set(expected) - links)
        assert not missing, f"the DAG list at {browser.url} does not show {missing} (links: {sorted(links)})"
        browser.screenshot(SCREENSHOTS / "dags.png")
        assert console_errors(browser) == []

        browser.execute("localStorage.setItem(arguments[0], JSON.stringify('graph'))", DAG_VIEW_KEY)
        browser.open(f"{url}/dags/{GRAPH_DAG}")
        # Task groups are drawn collapsed: the graph's nodes are the DAG's top-level tasks and groups
        # (for gtm_build: the dbt_build group of one task per dbt node, then the publishing tasks).
        top_level = {task_id.split(".")[0] for task_id in local_airflow.dagbag.dags[GRAPH_DAG].task_dict}
        assert {"dbt_build", "publish_docs_and_state"} <= top_level
        node = browser.wait_for_css(".react-flow__node[data-id='publish_docs_and_state']")
        assert "publish_docs_and_state" in node.text

        def drawn(driver) -> set[str]:
            return {
                n.get_attribute("data-id") for n in driver.find_elements(By.CSS_SELECTOR, ".react-flow__node")
            }

        try:
            browser.wait_until(
                lambda driver: drawn(driver) == top_level, f"the {len(top_level)} nodes of {GRAPH_DAG}"
            )
        except AssertionError:
            shown = drawn(browser.driver)
            raise AssertionError(
                f"the graph of {GRAPH_DAG} draws {sorted(shown)}; missing {sorted(top_level - shown)}, "
                f"unexpected {sorted(shown - top_level)}"
            ) from None
        # The whole project, not a partial render some earlier dag.test() serialized: the collapsed dbt group
        # counts every model, seed, source and detached test of the manifest.
        group = local_airflow.dagbag.dags[GRAPH_DAG].task_group_dict["dbt_build"]
        browser.wait_for_text(f"+ {len(group.children)} Tasks")
        browser.screenshot(SCREENSHOTS / f"{GRAPH_DAG}_graph.png")
        assert console_errors(browser) == []
    print(f"\nUI checks {time.monotonic() - started:.1f}s; screenshots: {SCREENSHOTS}/")


def test_status_lists_the_four_components_running(local_airflow: LocalAirflow):
    result = gtm("airflow", "status")
    assert result.returncode == 0, result.stdout + result.stderr
    for component in airflow_local.COMPONENTS:
        assert re.search(rf"{component}\s.*\d+\s.*running", result.stdout), result.stdout
    assert "scheduler healthy" in result.stdout and local_airflow.url in result.stdout


def test_a_second_start_is_refused(local_airflow: LocalAirflow):
    result = gtm("airflow", "start", "--port", str(free_port()))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "already running" in result.stderr and "gtm airflow stop" in result.stderr


def test_a_triggered_run_succeeds(triggered_run):
    api, run_id = triggered_run
    deadline = time.monotonic() + RUN_TIMEOUT
    path = f"/api/v2/dags/{TRIGGERED_DAG}/dagRuns/{run_id}"
    while (state := api.call("GET", path)["state"]) not in {"success", "failed"}:
        assert time.monotonic() < deadline, (
            f"{TRIGGERED_DAG} run {run_id} still {state} after {RUN_TIMEOUT:g}s"
        )
        time.sleep(1)
    tasks = api.call("GET", f"{path}/taskInstances")["task_instances"]
    summary = {ti["task_id"]: (ti["state"], ti["duration"]) for ti in tasks}
    assert state == "success", f"{TRIGGERED_DAG} run {run_id} ended {state}: {summary}"
    print(f"\n{TRIGGERED_DAG} run {run_id}: {summary}")


def test_stop_ends_every_component(local_airflow: LocalAirflow):
    paths = local_airflow.AirflowPaths.default()
    records = [local_airflow.read_pid_file(paths, component) for component in airflow_local.COMPONENTS]
    assert all(record is not None and record.process() is not None for record in records)
    started = time.monotonic()
    result = gtm("airflow", "stop")
    print(f"\ngtm airflow stop: {time.monotonic() - started:.1f}s\n{result.stdout}")
    assert result.returncode == 0, result.stdout + result.stderr
    for record in records:
        assert record.process() is None, f"{record.component} (pid {record.pid}) still runs"
        assert record.session() == [], f"processes of {record.component}'s session remain: {record.session()}"
        assert not paths.pid_file(record.component).exists()
    status = gtm("airflow", "status")
    assert status.returncode == 1, status.stdout + status.stderr
    assert "not running" in status.stdout
    assert gtm("airflow", "stop").returncode == 0  # idempotent


def test_a_stale_pid_file_is_cleaned_up(local_airflow: LocalAirflow):
    paths = local_airflow.AirflowPaths.default()
    gone = subprocess.Popen(["true"])
    gone.wait()
    paths.pid_file("scheduler").write_text(f"{gone.pid}\n{time.time()}\n")
    status = gtm("airflow", "status")
    assert status.returncode == 1, status.stdout + status.stderr
    assert re.search(r"scheduler\s.*dead \(stale pid file removed\)", status.stdout), status.stdout
    assert not paths.pid_file("scheduler").exists()
    paths.pid_file("triggerer").write_text("not a pid\n")
    stopped = gtm("airflow", "stop")
    assert stopped.returncode == 0 and "was not running" in stopped.stdout, stopped.stdout + stopped.stderr
    assert not paths.pid_file("triggerer").exists()

"""Run dbt in-process against the configured warehouse, with the right package set.

Package resolution (``GTM_DBT_PACKAGES`` = ``auto`` | ``real`` | ``offline``):
- ``real``: the packages ``dbt deps`` installs into ``dbt/dbt_packages``.
- ``offline``: the clean-room stand-ins in ``dbt/offline_packages`` (same package and macro names), for
  air-gapped machines and this project's sandboxed CI.
- ``auto`` (default): real packages if installed; otherwise try ``dbt deps`` once (the outcome is cached in
  ``$GTM_HOME`` for a day, as the hub lookup costs ~10 s when offline) and fall back to the stand-ins.
``dbt deps`` empties its install path first, so it only ever runs with the path set to ``dbt_packages``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import psycopg.sql

from gtm.settings import DBT_PROJECT_DIR, WarehouseSettings, gtm_home, load_settings
from gtm.transform.project import project_name

REAL_PACKAGES_DIR = DBT_PROJECT_DIR / "dbt_packages"
OFFLINE_PACKAGES_DIR = DBT_PROJECT_DIR / "offline_packages"
REQUIRED_PACKAGES = ("dbt_utils", "dbt_expectations")
DEPS_RETRY_SECONDS = 24 * 3600
NO_DEPRECATIONS = '{"error": ["Deprecations"]}'
# dbt commands that create, replace or fill relations: two of them on one target would trip over each other's
# temporary relations, so they serialise on an advisory lock (see build_lock).
WRITING_COMMANDS = {"build", "run", "seed", "snapshot", "retry", "clone"}


@dataclass(frozen=True)
class PackageSet:
    kind: str  # "real", "offline" or "explicit"
    path: Path
    reason: str

    def describe(self) -> str:
        label = {"real": "real dbt packages", "offline": "offline stand-in packages"}.get(
            self.kind, "dbt packages from DBT_PACKAGES_INSTALL_PATH"
        )
        return f"{label} ({self.path}): {self.reason}"


def _installed(path: Path) -> bool:
    return all((path / name / "dbt_project.yml").exists() for name in REQUIRED_PACKAGES)


def _deps_marker() -> Path:
    return gtm_home() / "dbt_deps_failed"


def _try_dbt_deps() -> tuple[bool, str]:
    """Run `dbt deps` in a subprocess so an unreachable hub costs one line of output, not a traceback."""
    env = dict(os.environ, DBT_PACKAGES_INSTALL_PATH=str(REAL_PACKAGES_DIR))
    cmd = [
        sys.executable,
        "-m",
        "dbt.cli.main",
        "deps",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
    ]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        return False, "dbt deps timed out"
    if proc.returncode == 0 and _installed(REAL_PACKAGES_DIR):
        return True, "installed by dbt deps"
    lines = [ln.strip() for ln in (proc.stdout + proc.stderr).splitlines() if ln.strip()]
    unreachable = any("hub.getdbt.com" in ln or "NameResolutionError" in ln for ln in lines)
    detail = "the dbt package hub is unreachable" if unreachable else (lines[-1] if lines else "no output")
    return False, f"dbt deps failed: {detail}"


def installed_packages() -> PackageSet:
    """The package set to use where `dbt deps` must never run (Airflow tasks, the docker image): an explicit
    DBT_PACKAGES_INSTALL_PATH, else the real packages when installed, else the offline stand-ins."""
    explicit = os.environ.get("DBT_PACKAGES_INSTALL_PATH")
    if explicit:
        return PackageSet(
            "real" if Path(explicit) == REAL_PACKAGES_DIR else "explicit",
            Path(explicit),
            "DBT_PACKAGES_INSTALL_PATH",
        )
    if _installed(REAL_PACKAGES_DIR):
        return PackageSet("real", REAL_PACKAGES_DIR, "installed by dbt deps")
    return PackageSet("offline", OFFLINE_PACKAGES_DIR, "real packages not installed")


def resolve_packages(mode: str | None = None) -> PackageSet:
    mode = (mode or os.environ.get("GTM_DBT_PACKAGES", "auto")).lower()
    if mode not in {"auto", "real", "offline"}:
        raise ValueError(f"GTM_DBT_PACKAGES must be auto, real or offline (got {mode!r})")
    if mode == "offline":
        return PackageSet("offline", OFFLINE_PACKAGES_DIR, "GTM_DBT_PACKAGES=offline")
    if _installed(REAL_PACKAGES_DIR):
        return PackageSet("real", REAL_PACKAGES_DIR, "installed by dbt deps")
    marker = _deps_marker()
    recently_failed = marker.exists() and time.time() - marker.stat().st_mtime < DEPS_RETRY_SECONDS
    if mode == "real" or not recently_failed:
        ok, reason = _try_dbt_deps()
        if ok:
            marker.unlink(missing_ok=True)
            return PackageSet("real", REAL_PACKAGES_DIR, reason)
        if mode == "real":
            raise RuntimeError(f"GTM_DBT_PACKAGES=real but {reason}")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(reason + "\n")
    else:
        reason = marker.read_text().strip() + " (cached; delete " + str(marker) + " to retry)"
    return PackageSet("offline", OFFLINE_PACKAGES_DIR, reason)


def dbt_target_path() -> Path:
    """dbt's target directory (DBT_TARGET_PATH, relative to the project, like dbt itself)."""
    return DBT_PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")


def compile_analyses(
    folder: str, *, target: str = "prod", settings: WarehouseSettings | None = None
) -> dict[str, str]:
    """{analysis name: SQL} of the analyses under ``folder`` (relative to the project, e.g.
    "analyses/seed_000"), compiled for ``settings``' database."""
    if not run_dbt(["compile", "-s", f"path:{folder}"], target=target, settings=settings).success:
        raise RuntimeError(f"dbt compile of {folder} failed; see the dbt log above")
    # dbt writes compiled files under the project's name (dbt_project.yml), not its directory's.
    compiled = dbt_target_path() / "compiled" / project_name() / folder
    return {path.stem: path.read_text() for path in sorted(compiled.glob("*.sql"))}


def dbt_environment(settings: WarehouseSettings, packages: PackageSet, target: str) -> dict[str, str]:
    env = settings.dbt_env()
    env["DBT_PACKAGES_INSTALL_PATH"] = str(packages.path)
    env["DBT_TARGET"] = target
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


@contextlib.contextmanager
def scoped_environ(values: dict[str, str]):
    """Export ``values`` for the duration of a dbt invocation only: leaving POSTGRES_HOST behind would make
    the rest of this process believe it talks to an external server."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass
class DbtResult:
    success: bool
    packages: PackageSet
    target: str
    run_results: dict | None
    # What the command returned in process, e.g. the node names `dbt ls` listed.
    output: object = None


class BuildLockTimeout(RuntimeError):
    """Another dbt command held the target's build lock for longer than the caller would wait."""


_held = threading.local()


def build_lock_key(database: str, target: str) -> int:
    """The advisory lock key of one target of one warehouse database (a signed 64-bit integer)."""
    digest = hashlib.sha256(f"gtm-dbt-build:{database}:{target}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextlib.contextmanager
def build_lock(
    settings: WarehouseSettings,
    target: str,
    *,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
):
    """Hold the build lock of ``target`` (a session advisory lock on its own connection) for the block.

    A second writing dbt command on the same target waits for the first to finish (``on_wait`` is told
    once), instead of both failing on each other's temporary relations. The lock goes with the connection,
    so a killed build never leaves it behind. Re-entrant within a thread."""
    key = build_lock_key(settings.database, target)
    held: set[int] = getattr(_held, "keys", set())
    _held.keys = held
    if key in held:
        yield
        return
    with psycopg.connect(settings.url(), autocommit=True, application_name="gtm-build-lock") as conn:
        if not conn.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            if on_wait:
                on_wait(
                    f"another dbt command is building target {target} of database {settings.database}; "
                    "waiting for it to finish"
                )
            if timeout is not None:
                conn.execute(f"set lock_timeout = '{int(timeout * 1000)}ms'")
            try:
                conn.execute("select pg_advisory_lock(%s)", (key,))
            except psycopg.errors.LockNotAvailable as exc:
                raise BuildLockTimeout(
                    f"target {target} is still being built by another dbt command after {timeout:g}s"
                ) from exc
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            with contextlib.suppress(psycopg.Error):
                conn.execute("select pg_advisory_unlock(%s)", (key,))


def restore_dropped_views(settings: WarehouseSettings) -> list[str]:
    """Recreate the views a killed or failed build dropped with relations it replaced (dbt/macros/
    build_integrity.sql records them), before dbt starts and caches the relations it sees. Returns the views
    that could not be recreated (their model must be rebuilt)."""
    left: list[str] = []
    with psycopg.connect(settings.url(), autocommit=True, application_name="gtm-restore-views") as conn:
        schemas = conn.execute(
            "select n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
            "where p.proname = '_gtm_restore_dependent_views' and pg_has_role(p.proowner, 'USAGE') order by 1"
        ).fetchall()
        for (schema,) in schemas:
            function = psycopg.sql.SQL("select * from {}._gtm_restore_dependent_views()").format(
                psycopg.sql.Identifier(schema)
            )
            left += [row[0] for row in conn.execute(function).fetchall()]
    return left


def run_dbt(
    args: list[str],
    *,
    target: str | None = None,
    settings: WarehouseSettings | None = None,
    packages: PackageSet | None = None,
    fail_on_deprecations: bool = True,
    fail_on_warnings: bool = False,
    project_dir: Path | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> DbtResult:
    """Invoke dbt in this process (no subprocess start-up cost) with the warehouse environment exported.
    ``project_dir`` runs another checkout of the project (slim CI's base revision); profiles stay ours.
    Commands that write (WRITING_COMMANDS) hold the target's build lock; ``on_wait`` hears when they wait."""
    from dbt.cli.main import dbtRunner

    settings = settings or load_settings()
    packages = packages or resolve_packages()
    target = target or os.environ.get("DBT_TARGET", "prod")
    command = list(args)
    project_dir = project_dir or DBT_PROJECT_DIR
    base = ["--project-dir", str(project_dir), "--profiles-dir", str(DBT_PROJECT_DIR)]
    if command and command[0] not in {"deps", "clean", "debug", "init"}:
        base += ["--target", target]
    global_flags = ["--warn-error-options", NO_DEPRECATIONS] if fail_on_deprecations else []
    if fail_on_warnings:
        # Every warning (test at warn severity, unused config path, imprecise contract type) is an error.
        global_flags = ["--warn-error"]
    writing = bool(command) and command[0] in WRITING_COMMANDS
    lock = build_lock(settings, target, on_wait=on_wait) if writing else contextlib.nullcontext()
    with lock, scoped_environ(dbt_environment(settings, packages, target)):
        if writing:
            restore_dropped_views(settings)
        result = dbtRunner().invoke([*global_flags, *command, *base])
    run_results = None
    results_file = project_dir / os.environ.get("DBT_TARGET_PATH", "target") / "run_results.json"
    if command and command[0] in {"build", "run", "test", "seed", "snapshot"} and results_file.exists():
        run_results = json.loads(results_file.read_text())
    return DbtResult(bool(result.success), packages, target, run_results, result.result)

"""Slim CI (seed 003, 18.6 and 18.9.4): for a change, build only the nodes it modified and everything
downstream of them (`state:modified+`) into the `ci` target's schemas, reading every unchanged parent from
production (`--defer`), so a pull request is checked in minutes instead of rebuilding the warehouse.

The production state is the `manifest.json` describing what the prod schemas hold. In GitHub Actions it is
the artifact the main-branch workflow publishes; locally `gtm ci slim` parses the base revision (default
`main`) from a git worktree, or builds it into prod first with `--build-prod`.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gtm.settings import REPO_ROOT
from gtm.transform.dbt_runner import DbtResult, run_dbt

SELECTOR = "state:modified+"


class SlimCiError(RuntimeError):
    """The production state could not be produced or read."""


@dataclass
class SlimRun:
    selected: list[str]
    result: DbtResult


def require_state(state_dir: Path) -> Path:
    """The state directory must hold a manifest: without it dbt would silently select everything."""
    manifest = state_dir / "manifest.json"
    if not manifest.is_file():
        raise SlimCiError(
            f"no production state: {manifest} does not exist. Download the manifest the main-branch "
            "build published (artifact prod-state), or run `gtm ci slim` without --state to parse the "
            "base revision."
        )
    return manifest


def production_state(base_ref: str, state_dir: Path, *, build_prod: bool = False) -> Path:
    """Write the manifest of ``base_ref`` to ``state_dir``: parse it (the prod schemas must already hold that
    revision's build), or build it into prod first. The revision is checked out in a temporary worktree."""
    state_dir.mkdir(parents=True, exist_ok=True)
    worktree = Path(tempfile.mkdtemp(prefix="gtm-slim-ci-")) / "base"
    checkout = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "worktree", "add", "--detach", str(worktree), base_ref],
        capture_output=True,
        text=True,
        check=False,
    )
    if checkout.returncode != 0:
        raise SlimCiError(f"cannot check out {base_ref!r}: {checkout.stderr.strip()}")
    try:
        command = "build" if build_prod else "parse"
        args = [command, "--target-path", str(state_dir)]
        result = run_dbt(args, target="prod", project_dir=worktree / "dbt")
        if not result.success:
            raise SlimCiError(f"dbt {command} of {base_ref} failed; see the dbt log above")
    finally:
        subprocess.run(
            ["git", "-C", str(REPO_ROOT), "worktree", "remove", "--force", str(worktree)],
            capture_output=True,
            check=False,
        )
    return require_state(state_dir)


def modified_nodes(state_dir: Path, *, project_dir: Path | None = None) -> list[str]:
    """Every node `state:modified+` selects against the state (dbt ls, all resource types)."""
    require_state(state_dir)
    args = ["ls", "--select", SELECTOR, "--state", str(state_dir)]
    result = run_dbt(args, target="ci", project_dir=project_dir)
    if not result.success:
        raise SlimCiError("dbt ls --select state:modified+ failed; see the dbt log above")
    return sorted(result.output or [])


def slim_build(state_dir: Path, *, project_dir: Path | None = None) -> SlimRun:
    """Build and test the modified nodes and their descendants into the ci schemas, deferring to prod."""
    selected = modified_nodes(state_dir, project_dir=project_dir)
    result = run_dbt(
        ["build", "--select", SELECTOR, "--defer", "--state", str(state_dir)],
        target="ci",
        project_dir=project_dir,
    )
    return SlimRun(selected, result)

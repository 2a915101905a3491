"""sqlfluff over the dbt project, with the environment dbt itself runs with.

The dbt templater compiles every model, so it needs what `gtm dbt` exports: the profile's environment
variables and the package path (the offline packages when the dbt hub is unreachable). Compiling an
incremental model asks the warehouse whether the table exists, so the embedded warehouse is started first
(an external one must be reachable).

    python -m tools.sql_lint                 # lint models, snapshots, tests and analyses
    python -m tools.sql_lint lint PATH ...   # lint some files (extra sqlfluff options pass through)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gtm.settings import DBT_PROJECT_DIR, SettingsError, load_settings
from gtm.transform.dbt_runner import dbt_environment, resolve_packages
from gtm.warehouse.server import WarehouseError, ensure_running

REPO_ROOT = DBT_PROJECT_DIR.parent
SQL_FOLDERS = ("models", "snapshots", "tests", "analyses")
ACTIONS = {"lint", "fix", "format", "parse"}
MAX_LINE_LENGTH = 120  # the same limit as .sqlfluff's max_line_length


def long_source_lines(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    """Source lines over MAX_LINE_LENGTH in the project's own SQL (sqlfluff measures rendered lines)."""
    problems = []
    for folder in (*SQL_FOLDERS, "macros"):
        for path in sorted((project_dir / folder).rglob("*.sql")):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if len(line) > MAX_LINE_LENGTH:
                    where = path.relative_to(project_dir.parent)
                    problems.append(
                        f"{where}:{number}: line is {len(line)} characters (max {MAX_LINE_LENGTH})"
                    )
    return problems


def sqlfluff_command(action: str, arguments: list[str]) -> list[str]:
    sqlfluff = Path(sys.executable).with_name("sqlfluff")
    if not any(Path(a).exists() for a in arguments if not a.startswith("-")):
        arguments = [
            *arguments,
            *(str(DBT_PROJECT_DIR / f) for f in SQL_FOLDERS if (DBT_PROJECT_DIR / f).is_dir()),
        ]
    return [str(sqlfluff), action, "--config", str(REPO_ROOT / ".sqlfluff"), *arguments]


def main(argv: list[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    action = arguments.pop(0) if arguments and arguments[0] in ACTIONS else "lint"
    try:
        ensure_running()
    except (WarehouseError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    env = {**os.environ, **dbt_environment(load_settings(), resolve_packages(), "prod")}
    returncode = subprocess.run(
        sqlfluff_command(action, arguments), env=env, cwd=REPO_ROOT, check=False
    ).returncode
    if action == "lint" and (too_long := long_source_lines()):
        print("\n".join(too_long), file=sys.stderr)
        returncode = returncode or 1
    return returncode


if __name__ == "__main__":
    raise SystemExit(main())

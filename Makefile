# The README's two commands: `make demo` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
UV_HOME := .gtm/uv
UV := $(UV_HOME)/bin/uv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# Byte-compile the venv at install: where PYTHONDONTWRITEBYTECODE is set, every Airflow/dbt process would
# otherwise recompile ~500 modules at start (about 2 s each).
export UV_COMPILE_BYTECODE := 1
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1

.PHONY: help install browser engines demo test lint format db-start db-stop airflow-start airflow-stop airflow-status docs clean

help:
	@echo "make demo    set up everything, build the warehouse and print the headline results"
	@echo "make test    run the whole test suite (what CI runs)"
	@echo "make lint    ruff + sqlfluff + static checks"
	@echo "make docs    generate the dbt docs site (dbt/target/static_index.html)"

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/gtm demo

# Headless Chromium for the browser tests (docs site); apt-get installs it when it is missing. Without it
# the rest of the suite still runs and the browser tests fail with the install hint.
browser:
	@bash scripts/ensure_chromium.sh || echo "chromium: unavailable, the browser tests will fail (see above)"

# Java (Spark local mode) and redis-server (the Celery broker) for the second-engine tests.
engines:
	@bash scripts/ensure_engines.sh || echo "engines: unavailable, the Spark/Celery tests will fail (see above)"

test: install browser engines
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m tools.sql_lint
	$(BIN)/python -m tools.static_checks

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-start: install
	$(BIN)/gtm db start

db-stop: install
	$(BIN)/gtm db stop

# Local Airflow without Docker (UI on http://127.0.0.1:8080 or $GTM_AIRFLOW_PORT; local only, no login).
airflow-start: install
	$(BIN)/gtm airflow start

airflow-stop: install
	$(BIN)/gtm airflow stop

airflow-status: install
	$(BIN)/gtm airflow status

docs: install
	$(BIN)/gtm dbt docs generate --static
	@echo "dbt docs: open dbt/target/static_index.html in a browser (no web server needed)"

clean:
	rm -rf dbt/target dbt/logs .pytest_cache .ruff_cache

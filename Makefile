# The README's two commands: `make demo` and `make test`. Needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
UV_HOME := .gtm/uv
UV := $(UV_HOME)/bin/uv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1

.PHONY: help install demo test lint format db-start db-stop docs clean

help:
	@echo "make demo    set up everything, build the warehouse and print the headline results"
	@echo "make test    run the whole test suite (what CI runs)"
	@echo "make lint    ruff + sqlfluff + static checks"
	@echo "make docs    generate the dbt docs site"

$(UV):
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/gtm demo

test: install
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m gtm.static_checks

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

db-start: install
	$(BIN)/gtm db start

db-stop: install
	$(BIN)/gtm db stop

docs: install
	$(BIN)/gtm dbt docs generate

clean:
	rm -rf dbt/target dbt/logs .pytest_cache .ruff_cache

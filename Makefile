# The two commands: `make run` and `make test`. Both set up what is missing first.
# Set-up is idempotent: stamps make a second run take seconds.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := $(VENV)/.stamps
PULUMI_BIN_FILE := $(VENV)/pulumi-bin-dir
# The Temporal CLI (its dev server runs the Temporal tests); the tests find it in the cache too.
TEMPORAL_BIN_FILE := $(VENV)/temporal-bin-dir
# Everything runs with the project's Pulumi CLI first on PATH.
WITH_PULUMI = PATH="$$(cat $(PULUMI_BIN_FILE)):$(CURDIR)/$(BIN):$$PATH"

.PHONY: help setup run test lint typecheck unit bench clean
help:
	@echo "make run    set up what is missing, then start the sandbox (bot + local Slack + web page);"
	@echo "           options through RUN_ARGS, e.g. make run RUN_ARGS=\"--port 9000 --no-postgres\""
	@echo "make test   set up what is missing, then lint, type-check and run every test"
	@echo "make setup  only the set-up;  make bench  the benchmarks"

setup: $(STAMPS)/python $(STAMPS)/system $(PULUMI_BIN_FILE) $(TEMPORAL_BIN_FILE)

# Golden paths shipped as packages in this repository, installed as a platform team's would be.
PATH_PACKAGES := provisioners/paths/redis_cache provisioners/paths/rabbitmq_vhost

$(STAMPS)/python: pyproject.toml $(addsuffix /pyproject.toml,$(PATH_PACKAGES))
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/pip install -q $(addprefix -e ,$(PATH_PACKAGES))
	@mkdir -p $(STAMPS) && touch $@

# Debian packages the real parts need: a PostgreSQL server and redis-server (tests start their own
# servers) and Chromium for the browser test. Installed only when missing.
$(STAMPS)/system: scripts/install-system.sh
	bash scripts/install-system.sh
	@mkdir -p $(STAMPS) && touch $@

# Always checked (a second or less when the CLI is there): the cache outside the repo may be gone.
$(PULUMI_BIN_FILE): FORCE
	@mkdir -p $(VENV)
	@bash scripts/install-pulumi.sh > $@.tmp && mv $@.tmp $@

# The same for the Temporal CLI (built from Go modules on first use: ~6 min on 2 cores).
$(TEMPORAL_BIN_FILE): FORCE
	@mkdir -p $(VENV)
	@bash scripts/install-temporal.sh > $@.tmp && mv $@.tmp $@

FORCE:

run: setup
	$(WITH_PULUMI) $(BIN)/platformbot dev $(RUN_ARGS)

lint: $(STAMPS)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check bot intents rulebook provisioners tests benchmarks

typecheck: $(STAMPS)/python
	$(BIN)/mypy

unit: setup
	$(WITH_PULUMI) $(BIN)/pytest $(PYTEST_ARGS)

test: setup lint typecheck
	$(WITH_PULUMI) $(BIN)/pytest --cov=intents --cov=rulebook --cov-report=term-missing:skip-covered $(PYTEST_ARGS)
	$(BIN)/coverage report --include='intents/*' --fail-under=100
	$(BIN)/coverage report --include='rulebook/*' --fail-under=100

bench: setup
	$(WITH_PULUMI) $(BIN)/python benchmarks/bench_rulebook.py
	$(WITH_PULUMI) $(BIN)/python benchmarks/bench_provision.py
	$(WITH_PULUMI) $(BIN)/python benchmarks/bench_ack.py
	$(WITH_PULUMI) $(BIN)/python benchmarks/bench_scale.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage

# Two commands on a fresh machine:  make test  (lint, types, tests)  and  make demo  (offline).
# make run starts the real bot: it needs DISCORD_TOKEN and reads config.yaml when present.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
CONFIG ?= $(wildcard config.yaml)
CONFIG_ARG := $(if $(CONFIG),--config $(CONFIG),)
PYTEST_ARGS ?=

.PHONY: install lint format typecheck test demo run bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

lint: install
	$(VENV)/bin/ruff check bot tests bench migrations
	$(VENV)/bin/ruff format --check bot tests bench migrations

format: install
	$(VENV)/bin/ruff check --fix bot tests bench migrations
	$(VENV)/bin/ruff format bot tests bench migrations

typecheck: install
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest $(PYTEST_ARGS)

demo: install
	$(PY) -m bot demo $(CONFIG_ARG)

run: install
	$(PY) -m bot db upgrade $(CONFIG_ARG)
	$(PY) -m bot run $(CONFIG_ARG)

bench: install
	$(PY) bench/export.py
	$(PY) bench/burst.py
	$(PY) bench/names.py
	$(PY) bench/series.py
	$(PY) bench/night.py --postgres auto
	$(PY) bench/startup.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache

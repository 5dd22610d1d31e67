# Détente: every target installs what it needs into .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Real node processes spend most of their time waiting: three workers keep the suite short.
PYTEST_ARGS ?= -n 3 --dist loadfile

.PHONY: install demo test lint bench screenshots clean

install: $(STAMP)

$(STAMP): pyproject.toml package.json
	bash scripts/install.sh
	touch $(STAMP)

demo: install
	$(BIN)/detente demo $(DEMO_ARGS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run.py all

screenshots: install
	DETENTE_SCREENSHOTS=docs/screenshots $(BIN)/python -m pytest -q tests/web/test_browser.py tests/web/test_map_incidents.py

clean:
	rm -rf $(VENV) node_modules

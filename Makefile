# kzfeed: `make run` sets up and runs on the seeds; `make test` runs the whole test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CODE   := $(wildcard src tests plugins migrations benchmarks)

.PHONY: run test lint typecheck check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,postgres]"
	touch $(STAMP)

## run: install kzfeed into .venv and run it on the built-in default (seeds -> var/ -> public/)
run: $(STAMP)
	$(BIN)/kzfeed run

## test: install the test dependencies and run the whole suite, lint and type checks
test: $(STAMP)
	@sh scripts/ensure-postgres.sh
	$(BIN)/python -m pytest
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var public build dist .pytest_cache .mypy_cache .ruff_cache

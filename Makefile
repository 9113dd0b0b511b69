# lrcourse: make lab and make test; make ready, setup, doctor, data and wheelhouse for a room of laptops;
# make test-fast and make notebooks for contributors
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8888

.PHONY: lab test test-fast notebooks verdicts lock ready setup setup-test doctor data wheelhouse clean

# where pip takes the packages from: a wheelhouse folder when it holds wheels (no network at all; make
# wheelhouse writes one), else PyPI, or with TORCH=cpu PyPI plus PyTorch's CPU-only index (Linux: no CUDA
# libraries); lrcourse.wheelhouse.TORCH_CPU_INDEX is the same address
WHEELHOUSE ?= wheelhouse
TORCH ?=
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
ifneq ($(filter-out cpu,$(TORCH)),)
$(error TORCH=$(TORCH): leave it out (PyPI's torch) or write TORCH=cpu (PyTorch's CPU-only wheels, Linux))
endif
PIP_FROM := $(if $(wildcard $(WHEELHOUSE)/*.whl),--no-index --find-links $(WHEELHOUSE),$(if $(TORCH),--index-url $(TORCH_CPU_INDEX) --extra-index-url https://pypi.org/simple))

# is this laptop ready to install the course? the system Python, the standard library only, installs nothing
ready:
	$(PYTHON) ready.py --wheelhouse $(WHEELHOUSE)

# the readiness check runs first, so a laptop that is not ready stops here, before any download
$(BIN)/python:
	$(PYTHON) ready.py --wheelhouse $(WHEELHOUSE)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade $(PIP_FROM) pip

# the lock: every version the tests pass with and the notebooks were executed with (make lock writes it)
LOCK   := constraints.txt

# the package in editable mode, with the locked versions; reinstalled when pyproject.toml or the lock changes
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FROM) -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install $(PIP_FROM) -c $(LOCK) -e '.[test]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

# root (containers, some cloud VMs) must say so explicitly to Jupyter
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

# the course's JupyterLab defaults (no "Jupyter news?" pop-up, .py sources open as notebooks), installed as
# Binder's postBuild installs them: as labconfig/default_setting_overrides.json in a Jupyter config directory,
# here the virtualenv's own; a learner's own settings still win
LAB_OVERRIDES := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json

# JupyterLab on notebooks/, on localhost only; token authentication stays on (the URL it prints holds the token)
lab: setup
	mkdir -p $(dir $(LAB_OVERRIDES)) && cp binder/jupyterlab_settings.json $(LAB_OVERRIDES)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.root_dir=notebooks $(ALLOW_ROOT)

# unit tests, every notebook through nbval, and the browser tests
test: setup-test
	$(BIN)/python -m pytest

# the unit tests only (no notebooks, no browser, no make lab): for quick checks while editing
test-fast: setup-test
	$(BIN)/python -m pytest -m "not slow" tests

# is this machine ready? versions, every course dependency, device, widget front end, data
doctor: setup
	$(BIN)/lrcourse doctor

# download and verify full MNIST into the data root (the one step that uses the network)
data: setup
	$(BIN)/lrcourse data

# execute every notebook from its .py source and store the outputs in the paired .ipynb
notebooks: setup-test
	$(BIN)/lrcourse notebooks

# re-run every notebook at 1 CPU thread and compare each verdict its prose states with the stored run's
verdicts: setup-test
	$(BIN)/lrcourse verdicts --threads 1

# resolve the dependencies afresh (nothing installed) and rewrite the lock; then make notebooks and make test
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet packaging
	PYTHONPATH=. $(BIN)/python -c "from lrcourse.lockfile import refresh_lock; print(len(refresh_lock()), 'versions written to $(LOCK)')"

# every wheel the course needs, for a USB stick: make wheelhouse [WHEELHOUSE=folder] [PLATFORM=win_amd64]
# [PYTHON_VERSION=3.11] [TORCH=cpu]; build Windows and macOS ones on a machine of that system (pip reads
# the dependencies' markers for the machine it runs on)
wheelhouse: | $(BIN)/python
	PYTHONPATH=. $(BIN)/python -c "import sys; from lrcourse.wheelhouse import build_wheelhouse; \
	w = build_wheelhouse(sys.argv[1], platform=sys.argv[2] or None, python_version=sys.argv[3] or None, \
	torch=sys.argv[4] or None); print(len(w), 'wheels in', sys.argv[1])" \
	"$(WHEELHOUSE)" "$(PLATFORM)" "$(PYTHON_VERSION)" "$(TORCH)"

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# East–West pairing poverty-alleviation report. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
KERNEL := eastwest

.PHONY: help setup report test validate lab clean bench lock

help: ## List the targets
	@echo "Targets:"
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

# ---- set-up: each step leaves a stamp, so a second run skips it -------------------------
$(STAMPS):
	@mkdir -p $(STAMPS)

$(STAMPS)/venv: requirements.lock tools.lock | $(STAMPS)
	@echo "setup: creating $(VENV) from requirements.lock"
	@$(PYTHON_SYS) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "setup: Python 3.11 or newer is needed ($(PYTHON_SYS) is $$($(PYTHON_SYS) -V 2>&1))"; exit 1; }
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r tools.lock
	@$(VENV)/bin/uv pip sync --quiet --python $(PY) requirements.lock
	@$(PY) -c 'import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()["purelib"], "eastwest-repo.pth").write_text(str(pathlib.Path.cwd()) + "\n")'
	@touch $@

$(STAMPS)/kernel: $(STAMPS)/venv
	@$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (eastwest)" >/dev/null
	@echo "setup: registered Jupyter kernel '$(KERNEL)'"
	@touch $@

$(STAMPS)/system: | $(STAMPS)
	@bash scripts/ensure-system.sh
	@touch $@

setup: $(STAMPS)/venv $(STAMPS)/kernel $(STAMPS)/system ## Create .venv from the lock, register the kernel, check fonts

# ---- the product ------------------------------------------------------------------------
validate: $(STAMPS)/venv ## Check data/ (schema, quotes, numbers, plausibility); prints FILE:ROW: COLUMN: message
	@$(PY) -m eastwest.validate

report: setup validate ## Build everything under reports/ (HTML, PDF, metrics.csv, audit.csv)
	@$(PY) -m eastwest.build

test: setup ## Lint, run the tests, check notebooks carry no outputs, validate the data
	@$(VENV)/bin/ruff check .
	@$(PY) scripts/check_notebooks.py notebooks
	@$(PY) -m eastwest.validate
	@$(PY) -m pytest -q

lab: setup ## Open JupyterLab on notebooks/ with the project's kernel
	@$(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: setup ## Time the build and the data pipeline; prints a table
	@$(PY) bench/run.py

lock: ## Regenerate requirements.lock from requirements.in (needs network)
	@$(VENV)/bin/uv pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes -q
	@echo "lock: requirements.lock updated; keep environment.yml's list in step"

clean: ## Remove built reports and caches (keeps .venv)
	rm -rf reports/* .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

# East–West pairing poverty-alleviation report. `make` alone lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON_SYS ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
KERNEL := eastwest

.PHONY: help setup report test validate candidates lab clean bench lock

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
	@$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	@touch $@

# A copied or moved checkout keeps the old absolute paths in .venv (its scripts' first lines, the .pth
# that puts the repository on sys.path) and in the kernel spec, and would run the original's code.
# The kernel stamp holds the venv's real path; when it or the interpreter the spec names differs from
# this checkout's, the step runs again: scripts/bind-venv.py rewrites the old paths, points the .pth
# here, registers the kernel anew and prints the path for the stamp.
VENV_REAL := $(shell cd $(VENV) 2>/dev/null && pwd -P)
KERNEL_SPEC := $(VENV)/share/jupyter/kernels/$(KERNEL)/kernel.json
ifneq ($(file < $(STAMPS)/kernel),$(VENV_REAL))
.PHONY: $(STAMPS)/kernel
else ifeq ($(findstring "$(VENV_REAL)/bin/python",$(file < $(KERNEL_SPEC))),)
.PHONY: $(STAMPS)/kernel
endif
$(STAMPS)/kernel: $(STAMPS)/venv
	@$(PY) scripts/bind-venv.py $(KERNEL) "Python (eastwest)" > $@.tmp && mv $@.tmp $@

$(STAMPS)/system: | $(STAMPS)
	@bash scripts/ensure-system.sh
	@touch $@

setup: $(STAMPS)/venv $(STAMPS)/kernel $(STAMPS)/system ## Create .venv from the lock, register the kernel, check fonts

# ---- the product ------------------------------------------------------------------------
# `make report SCOPE=<scope id>` builds only that scope's cooperation report. The value is taken
# raw with $(value ...) (make expands nothing in it), handed to Python in the environment and
# checked there against data/scopes.csv; it is never pasted into a recipe, so the shell never
# sees it. `unexport SCOPE` keeps make from expanding it for the environment of other recipes.
# Other variables given on make's command line reach the build through MAKEFLAGS and are refused
# unless known (see eastwest/params.py), so a typo such as `make report scope=x` stops the build.
EASTWEST_SCOPE := $(value SCOPE)
export EASTWEST_SCOPE
unexport SCOPE
# `make report EDITION=en` (or zh) builds one language's edition only, taken and checked like SCOPE.
EASTWEST_EDITION := $(value EDITION)
export EASTWEST_EDITION
unexport EDITION

validate: $(STAMPS)/venv ## Check data/ (schema, quotes, numbers, plausibility) and seed coverage; FILE:ROW: COLUMN: message
	@$(PY) -m eastwest.validate
	@$(PY) -m eastwest.coverage

# `make candidates SEED=path/to/article.txt`: SEED is taken raw like SCOPE and read by Python from
# the environment, so neither make nor the shell expands anything in the path.
EASTWEST_SEED := $(value SEED)
export EASTWEST_SEED
unexport SEED

candidates: $(STAMPS)/venv ## Propose figures.csv rows for a new article: SEED=path/to/article.txt -> reports/candidates/
	@$(PY) -m eastwest.candidates --from-make

# The build validates data/ itself (skipped when data/, seeds/ and the code are unchanged since the
# last passing run), tracks each report's inputs by content hash in reports/.build/, and runs the
# notebooks two at a time; with nothing changed it returns in well under a second.
report: setup ## Build reports/ in English and reports/zh/ in Chinese; SCOPE=<id> one scope, EDITION=en|zh one language
	@$(PY) -m eastwest.build --from-make

test: setup ## Lint, run the tests, check notebooks carry no outputs, validate the data
	@$(VENV)/bin/ruff check .
	@$(PY) scripts/check_notebooks.py notebooks
	@$(PY) -m eastwest.validate
	@$(PY) -m pytest -q

lab: setup ## Open JupyterLab on notebooks/ with the project's kernel
	@$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup ## Time the build and the data pipeline; prints a table
	@$(PY) bench/run.py

lock: ## Regenerate requirements.lock from requirements.in (needs network)
	@$(VENV)/bin/uv pip compile requirements.in -o requirements.lock --python-version 3.11 --generate-hashes -q
	@echo "lock: requirements.lock updated; keep environment.yml's list in step"

clean: ## Remove built reports and caches (keeps .venv)
	rm -rf reports/* reports/.current reports/.versions reports/.build .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path './.venv/*' -prune -exec rm -rf {} +

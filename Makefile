# The two commands: `make run` starts the system, `make test` runs every test.
# Both create .venv with the pinned requirements on first use.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ARGS ?=

.PHONY: run test bench manage install clean

$(STAMP): requirements/base.txt requirements/dev.txt common/pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt -e ./common
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m manage_scripts.run $(ARGS)

test: $(STAMP)
	$(PY) -m manage_scripts.test $(ARGS)

bench: $(STAMP)
	$(PY) -m manage_scripts.bench $(ARGS)

# `make manage SERVICE=event_project ARGS="createsuperuser"` (needs MONGODB_URI of a running system).
SERVICE ?= event_project
manage: $(STAMP)
	cd $(SERVICE) && ../$(PY) manage.py $(ARGS)

clean:
	rm -rf $(VENV) var test-results

# The two commands: `make run` starts the system, `make test` runs every test.
# Both create .venv with the pinned requirements on first use.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
FUZZ_VENV := .venv-fuzz
FUZZ_STAMP := $(FUZZ_VENV)/.installed-stamp
ARGS ?=

.PHONY: help run test bench manage install clean browser prometheus secantus-rs axe

help:  ## this list
	@echo "EventHub: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## /  \1\t/' | expand -t 16

$(STAMP): requirements/base.txt requirements/dev.txt common/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: EventHub needs Python 3.11 or newer (e.g. apt-get install python3.11 python3.11-venv, or make PYTHON=python3.12 ...)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "$(PYTHON) is older than 3.11: set PYTHON=python3.11 (or newer)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned Python packages into $(VENV) (first run only, 1-2 minutes)..."
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --progress-bar on -r requirements/dev.txt -e ./common
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the pinned requirements

# Runs on the Rust SecantusDB server (built on first use, below); on the Python one if it cannot be built.
run: $(STAMP) secantus-rs prometheus  ## the whole system (ARGS="--nodes 2" for two of each)
	EMBEDDED_MONGO_SERVER="$${EMBEDDED_MONGO_SERVER:-$$(test -x $(SECANTUS_RS) && echo $(abspath $(SECANTUS_RS)))}" \
	  $(PY) -m manage_scripts.run $(ARGS)

test: $(BENCH_STAMP) $(FUZZ_STAMP) browser prometheus axe  ## every test suite (ARGS="-k login -x" goes to pytest)
	$(PY) -m manage_scripts.test $(ARGS)

# schemathesis, which a system test runs against both services' OpenAPI schemas, in a virtualenv of its own.
$(FUZZ_STAMP): requirements/fuzz.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found"; exit 1; }
	test -x $(FUZZ_VENV)/bin/python || $(PYTHON) -m venv $(FUZZ_VENV)
	@echo "Installing schemathesis into $(FUZZ_VENV) (the API fuzzer; first run only, under a minute)..."
	$(FUZZ_VENV)/bin/python -m pip install --quiet -r requirements/fuzz.txt
	touch $(FUZZ_STAMP)

# Debian's Chromium and ChromeDriver for the browser-client test (browsers cannot be downloaded
# by test tools here). Installed only when missing; without root the browser test is skipped.
browser:  ## Debian's Chromium and ChromeDriver for the browser test
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
	  { echo "Installing chromium and chromium-driver (apt-get, first run only, about a minute)..." && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; } || \
	  echo "warning: could not install chromium; the browser-client test will be skipped"

# axe-core (npm), which the browser test injects into the client's page to check its accessibility.
AXE_VERSION := 4.14.1
AXE := var/axe/node_modules/axe-core/axe.min.js
axe:  ## axe-core for the browser test's accessibility check
	@test -f $(AXE) || { echo "Installing axe-core $(AXE_VERSION) into var/axe (npm, first run only)..." && \
	  npm install --prefix var/axe --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION); } || \
	  echo "warning: could not install axe-core (npm); the accessibility check will fail"

# Debian's Prometheus, which `make run` starts beside the system and a system test queries. Installed only
# when missing; without it the run has no Prometheus (its banner says so) and that test is skipped.
prometheus:  ## Debian's Prometheus (and promtool) for make run's metrics
	@command -v prometheus >/dev/null || \
	  { echo "Installing prometheus (apt-get, first run only)..." && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus; } || \
	  echo "warning: could not install prometheus; make run starts without it and its test is skipped"

# The benchmark's own tools (locust, matplotlib, py-spy) on top of the test set.
$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	@echo "Installing the benchmark tools (locust, matplotlib, py-spy)..."
	$(PY) -m pip install --quiet -r requirements/bench.txt
	touch $(BENCH_STAMP)

# The test command installs them too, so its 20-second benchmark smoke run cannot rot.
# `make bench ARGS="--smoke"` for the ~20-second miniature; `ARGS=--help` lists the knobs.
# Without MONGODB_URI the benchmark runs on the Rust SecantusDB server (built once, below); if it
# cannot be built, on the Python one. The report names the server that ran.
bench: $(BENCH_STAMP) secantus-rs  ## the load benchmark (ARGS=--help lists its knobs)
	EMBEDDED_MONGO_SERVER="$${EMBEDDED_MONGO_SERVER:-$$(test -x $(SECANTUS_RS) && echo $(abspath $(SECANTUS_RS)))}" \
	  $(PY) -m manage_scripts.bench $(ARGS)

# The Rust SecantusDB server. Its crate asks for rustc 1.98, but 1.95 builds it (--ignore-rust-version);
# WiredTiger's build needs cmake. About 5 minutes the first time, with cargo's progress; a failure only warns.
SECANTUS_RS_VERSION := 0.5.3-beta.193
SECANTUS_RS := var/secantus-rs/bin/secantusd-rs
secantus-rs:  ## build the Rust SecantusDB server (once, about 5 minutes)
	@test -x $(SECANTUS_RS) || { \
	  echo "Building the Rust SecantusDB server into var/secantus-rs (first run only, about 5 minutes)..." && \
	  { command -v cmake >/dev/null || { echo "installing cmake (apt-get)..." && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake >/dev/null; }; } && \
	  cargo install secantus-mdb --version $(SECANTUS_RS_VERSION) --ignore-rust-version --root var/secantus-rs; \
	} || echo "warning: could not build the Rust SecantusDB server; make run and make bench use the slower Python server"

# `make manage SERVICE=event_project ARGS="createsuperuser"` (needs MONGODB_URI of a running system).
SERVICE ?= event_project
manage: $(STAMP)  ## manage.py of a service: make manage SERVICE=notification_project ARGS=dead_letters
	cd $(SERVICE) && ../$(PY) manage.py $(ARGS)

# A local 3-node RabbitMQ cluster beside the machine's own node (5681-5683; manage_scripts/rabbitmq_cluster.py;
# `.venv/bin/python -m manage_scripts.rabbitmq_cluster status` says which nodes run).
.PHONY: cluster cluster-stop
cluster: $(STAMP)  ## start a local 3-node RabbitMQ cluster (make run ARGS=--broker-cluster uses it)
	$(PY) -m manage_scripts.rabbitmq_cluster start

cluster-stop: $(STAMP)  ## stop the local RabbitMQ cluster (ARGS=--reset deletes its data)
	$(PY) -m manage_scripts.rabbitmq_cluster stop $(ARGS)

clean:  ## remove .venv, .venv-fuzz, var/ and test results
	rm -rf $(VENV) $(FUZZ_VENV) var test-results

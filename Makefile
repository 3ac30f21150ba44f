# tokenward — one task runner for local work, CI and the README.
# `make test` and `make serve` do all set-up on a fresh machine themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.DEFAULT_GOAL := help
.PHONY: help setup build serve test test-rust test-python test-python-rust test-python-twin \
        test-redis-server lint fmt bench loadtest loadtest-smoke fuzz-smoke fuzz-tools system-deps clean

help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-20s %s\n", $$1, $$2}'

$(VENV)/.stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip 'maturin>=1.7,<2'
	touch $@

setup: $(VENV)/.stamp ## create .venv and install everything (Python deps, the Rust extension)
	@set -o pipefail; $(BIN)/maturin develop --release -E dev -q 2>&1 | { grep -v '^Requirement already satisfied' || true; }

build: setup ## (re)build the Rust extension into .venv (release)

system-deps: ## Debian packages the tests use (redis-server for the compatibility run)
	@if ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else echo "redis-server missing (apt-get install redis-server); its compatibility run will be skipped"; fi; \
	fi

ARGS ?=
serve: build ## run the service with embedded defaults (127.0.0.1:8080, data in ./.tokenward/); ARGS="--port 9090"
	$(BIN)/tokenward serve $(ARGS)

test: build system-deps lint test-rust test-python-rust test-python-twin test-redis-server loadtest-smoke fuzz-smoke ## everything CI runs
	@echo "all test stages passed"

test-rust: ## cargo test of the Rust core (no Python)
	cargo test -p tokenward-core --quiet

test-python-rust: ## the Python suite on the Rust backend (embedded valkey store)
	TOKENWARD_BACKEND=rust $(PY) -m pytest -q -p no:cacheprovider

test-python-twin: ## the Python suite again with the extension disabled (pure-Python twin)
	TOKENWARD_BACKEND=python $(PY) -m pytest -q -p no:cacheprovider

test-redis-server: system-deps ## service tests against Debian's redis-server, to prove compatibility
	@if command -v redis-server >/dev/null; then \
	  port=$$(( 20000 + RANDOM % 20000 )); dir=$$(mktemp -d); \
	  redis-server --port $$port --bind 127.0.0.1 --save '' --appendonly no --dir $$dir --daemonize yes --pidfile $$dir/pid >/dev/null; \
	  sleep 0.5; status=0; \
	  TOKENWARD_BACKEND=rust TOKENWARD_TEST_REDIS_URL=redis://127.0.0.1:$$port/0 $(PY) -m pytest -q -p no:cacheprovider tests/service || status=$$?; \
	  kill $$(cat $$dir/pid) 2>/dev/null; rm -rf $$dir; exit $$status; \
	else echo "skipping: no redis-server"; fi

lint: setup ## ruff, mypy --strict, stub check, cargo fmt, clippy -D warnings
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd python && MYPYPATH=. ../$(BIN)/mypy -p tokenward --config-file ../pyproject.toml
	$(PY) -m mypy.stubtest tokenward._core --ignore-missing-stub
	cargo fmt --all --check
	cargo clippy --all-targets --quiet -- -D warnings
	cargo clippy -p tokenward-core --features python --quiet -- -D warnings

fmt: setup ## format Rust and Python
	cargo fmt --all
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: build ## validator benchmark against peer libraries (prints a table)
	$(PY) benchmarks/bench_validate.py

loadtest: build ## Locust + wrk load test of the service against baselines (writes results/)
	$(PY) loadtests/run.py

loadtest-smoke: build ## 10-second Locust smoke run
	$(PY) loadtests/run.py --smoke

FUZZ_SECONDS ?= 60
fuzz-tools: ## cargo-fuzz (from crates.io) for the fuzz targets
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet

fuzz-smoke: fuzz-tools ## regression inputs, then each cargo-fuzz target for FUZZ_SECONDS (default 60)
	FUZZ_SECONDS=$(FUZZ_SECONDS) rust_core/fuzz/smoke.sh

clean: ## remove build output and the venv
	rm -rf target $(VENV) python/tokenward/*.so

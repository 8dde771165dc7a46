# prodstack: two commands on a fresh machine with Python 3.11.
#   make demo  install, bake the default variant, boot it, print where it answers
#   make test  install, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install system-deps demo test bench lint clean

$(BIN)/prodstack: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/prodstack

# System tools, by what runs them (generator/tools.py names each tool's
# Debian package). As root on Debian, what is missing is installed:
#   demo-deps      Nginx, openssl, systemd's tools, Chromium: verify and the demo
#   postgres-deps  PostgreSQL 15's server programs: verify of PostgreSQL variants
#   bench-deps     wrk
#   host-deps      systemd-nspawn, debootstrap, pebble, ssh, rsync: the host proofs
# system-deps is all of them, for the whole suite.
export PATH := $(PATH):/usr/lib/postgresql/15/bin
TOOLS := $(BIN)/python -m generator.tools

.PHONY: demo-deps postgres-deps bench-deps host-deps

demo-deps: install
	@$(TOOLS) demo

postgres-deps: install
	@$(TOOLS) postgres

bench-deps: install
	@$(TOOLS) bench

host-deps: install
	@$(TOOLS) hosts image

system-deps: install
	@$(TOOLS) demo postgres bench hosts image

demo: install demo-deps
	$(BIN)/prodstack demo --dir demo

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The full benchmark: about 3 minutes; writes the tables to bench-results.md.
bench: install demo-deps bench-deps
	$(BIN)/prodstack bench --variant default --sweep --markdown bench-results.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) demo

# prodstack: two commands on a fresh machine with Python 3.11.
#   make demo  install, bake the default variant, boot it, print where it answers
#   make test  install, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install system-deps demo test lint clean

$(BIN)/prodstack: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/prodstack

# Tools the tests run for real: a PostgreSQL 15 server, openssl, unshare.
system-deps:
	@for tool in initdb pg_ctl openssl unshare; do \
		command -v $$tool >/dev/null || { echo "missing $$tool: install PostgreSQL 15 server binaries, openssl and util-linux" >&2; exit 1; }; \
	done

demo: install
	$(BIN)/prodstack demo --dir demo

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) demo

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

# What verify and the tests run for real. As root on Debian, what is missing
# is installed: Nginx (nginx-light), wrk and PostgreSQL 15's server binaries,
# and for the real-host proof systemd-nspawn, debootstrap, pebble, ssh and
# rsync (the daemon a host's backups are copied to).
export PATH := $(PATH):/usr/lib/postgresql/15/bin
SYSTEM_TOOLS := nginx wrk initdb pg_ctl openssl unshare runuser systemd-analyze systemd-socket-activate \
	systemd-nspawn debootstrap pebble pebble-challtestsrv ssh ssh-keygen nsenter rsync

system-deps:
	@command -v nginx >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	@command -v initdb >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null; }
	@command -v systemd-analyze >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null; }
	@command -v systemd-nspawn >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container >/dev/null; }
	@command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
	@command -v pebble >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pebble >/dev/null; }
	@command -v rsync >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null; }
	@command -v ssh >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client >/dev/null; }
	@for tool in $(SYSTEM_TOOLS); do \
		command -v $$tool >/dev/null || { echo "missing $$tool: run make as root on Debian 12, or install it" >&2; exit 1; }; \
	done

demo: install system-deps
	$(BIN)/prodstack demo --dir demo

test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The full benchmark: about 3 minutes; writes the tables to bench-results.md.
bench: install system-deps
	$(BIN)/prodstack bench --variant default --sweep --markdown bench-results.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) demo

# Build and test plumbing for tousu.
#   make run      create .venv, install, migrate, load the demo, serve on 127.0.0.1:$PORT (8000)
#                 TOUSU_PRESET=bank make run: the bank's demo instead, in its own data dir var/bank
#   make test     create .venv, install, run scripts/test.sh (SQLite, then PostgreSQL if available)
#   make install  create .venv and install the project with its test extras
#   make clean    remove .venv (never the data in var/)

SHELL := /bin/bash
VENV  := .venv

# python3.11 if it really runs (a pyenv shim may exist without the version), else python3.
PYTHON := $(shell for p in python3.11 python3; do \
            if command -v $$p >/dev/null 2>&1 && $$p -c 'import venv' >/dev/null 2>&1; then \
              echo $$p; break; fi; done)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The preset `make run` puts in force; each other preset's demo lives in its own data directory.
TOUSU_PRESET ?= government
export TOUSU_PRESET
ifneq ($(TOUSU_PRESET),government)
export TOUSU_DATA_DIR ?= $(CURDIR)/var/$(TOUSU_PRESET)
endif

.PHONY: run test install clean

install: $(VENV)/.installed

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "error: neither python3.11 nor python3 (with venv) found" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -e '.[test]'
	touch $@

run: install
	$(VENV)/bin/tousu migrate --noinput
	$(VENV)/bin/tousu init --preset $(TOUSU_PRESET) --demo
	$(VENV)/bin/tousu serve --port $${PORT:-8000}

test: install
	bash scripts/test.sh

clean:
	rm -rf $(VENV)

# The README's commands. Every target sets up what it needs; a second run downloads nothing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
DEPS   := $(VENV)/.deps-installed
NODE   := node_modules/.deps-installed

.PHONY: demo test setup lint serve sandbox bench bench-nightly clean

demo: setup ## start Azurite + sandbox, run the flows end to end through the local host
	$(PY) -m hub demo

test: setup lint ## lint, type-check and run every test (starts and stops Azurite and the sandbox)
	$(PY) -m pytest

setup: $(DEPS) $(NODE)

$(DEPS): requirements.txt requirements-dev.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

serve: setup ## run function_app.py locally on 127.0.0.1:7071 (needs Azurite and settings)
	$(PY) -m hub serve

sandbox: setup ## run the BC, Dataverse, EcpPro and token simulators in the foreground
	$(PY) -m hub sandbox

bench: setup
	$(PY) -m bench

bench-nightly: setup ## the nightly feeds benchmark alone (about half an hour; not part of make test)
	$(PY) -m bench nightly

clean:
	rm -rf $(VENV) node_modules .hub .pytest_cache .mypy_cache .ruff_cache

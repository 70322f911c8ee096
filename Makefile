# The two commands a new user needs: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export KUNDE_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test api-fuzz bench lint format messages clean

# Runtime dependencies, pinned; reinstalled when a requirements file changes.
$(VENV)/.runtime: requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Kunde needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Compiled translations (.mo) are built, not committed; Babel compiles them without gettext.
messages: $(VENV)/.runtime
	$(BIN)/pybabel compile --domain django --directory kunde/locale --statistics

run: $(VENV)/.runtime messages
	DEBUG=1 $(BIN)/kunde migrate --noinput
	DEBUG=1 $(BIN)/kunde demo
	@echo ""
	@echo "  Kunde runs at http://127.0.0.1:8000/  with a background worker (Ctrl+C stops both)"
	@echo "  Sign in as admin / kunde-demo  (also finance, manager, reader: same password)"
	@echo ""
	@# The worker runs beside the web server; Ctrl+C (or the server ending) stops both.
	DEBUG=1 $(BIN)/kunde worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/kunde runserver 127.0.0.1:8000

test: $(VENV)/.dev messages
	scripts/ensure-chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# A longer schemathesis run of the API than the one in `make test` (more examples per operation).
api-fuzz: $(VENV)/.dev messages
	KUNDE_SCHEMATHESIS_EXAMPLES=50 $(BIN)/python -m pytest kunde/api/tests/test_schemathesis.py

bench: $(VENV)/.runtime
	DEBUG=1 $(BIN)/kunde bench

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var test-results build *.egg-info

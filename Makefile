# replydesk: `make run` starts the embedded desk, `make test` runs the whole suite (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-explore bench lint messages clean-venv

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "replydesk needs Python 3.11 or newer (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

run: $(VENV)/.runtime-installed
	@bash scripts/run-desk.sh

# The lint first (seconds): a change that breaks the layers or ruff fails before the suite starts. Property tests
# run derandomized (the same examples every run); `make test-explore` draws new ones instead.
test: lint
	$(BIN)/python scripts/run_tests.py $(PYTEST_ARGS)

test-explore: $(VENV)/.dev-installed
	HYPOTHESIS_PROFILE=explore $(BIN)/python scripts/run_tests.py tests/faults/test_bad_input.py tests/inbox/test_composer.py tests/accounts/test_employee_numbers.py $(PYTEST_ARGS)

# The benchmarks (docs/benchmarks.md): minutes each, on PostgreSQL at 127.0.0.1 (BENCH_DATABASE_URL) with a
# database of their own; not part of `make test`. One at a time: they measure the same machine.
BENCHES := claims inbox sweep audit ingest live search approvals quality reports similar day
bench: $(VENV)/.dev-installed
	@set -e; for name in $(BENCHES); do echo "==> bench/$$name.py"; $(BIN)/python bench/$$name.py; done

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# Re-extract the strings to translate into locale/ja (needs GNU gettext) and compile them.
messages: $(VENV)/.dev-installed
	DEBUG=1 $(BIN)/python manage.py makemessages -l ja --no-obsolete --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'staticfiles/*'
	DEBUG=1 $(BIN)/python manage.py compilemessages -l ja --ignore '.venv/*'

clean-venv:
	rm -rf $(VENV)

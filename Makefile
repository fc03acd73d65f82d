# Two commands on a fresh machine:
#   make bench   set up .venv, measure this machine, regenerate the charts
#   make test    set up .venv (and node_modules for the site's JavaScript), lint, run the test suites
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUITE  ?= default

.PHONY: setup bench plot check test lint clean

$(STAMP): $(wildcard requirements*.txt) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .   # the `devicebench` command, running this clone's code
	touch $(STAMP)

# The site's JavaScript and CSS linters and test runner (package.json: eslint, stylelint; node's own test runner), for `make test`.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

setup: $(STAMP)

# Ends with this machine's score in each framework (the default suite holds the score's set on every device kind).
bench: $(STAMP)
	$(BIN)/python -m collect --framework torch --suite $(SUITE)
	$(BIN)/python -m collect --framework tensorflow --suite $(SUITE)
	$(BIN)/python plot_results.py
	@echo
	$(BIN)/python -m collect.closing

plot: $(STAMP)
	$(BIN)/python plot_results.py

check: $(STAMP)
	$(BIN)/python plot_results.py --check

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	npm run --silent lint
	npm run --silent lint:css

test: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	npm run --silent lint
	npm run --silent lint:css
	npm test --silent
	$(BIN)/python -m pytest -n auto --maxprocesses 4

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache

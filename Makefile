# Two commands on a fresh machine:
#   make bench   set up .venv, measure this machine, regenerate the charts
#   make test    set up .venv, lint, run the test suite
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

setup: $(STAMP)

bench: $(STAMP)
	$(BIN)/python -m collect --framework torch --suite $(SUITE)
	$(BIN)/python -m collect --framework tensorflow --suite $(SUITE)
	$(BIN)/python plot_results.py

plot: $(STAMP)
	$(BIN)/python plot_results.py

check: $(STAMP)
	$(BIN)/python plot_results.py --check

lint: $(STAMP)
	$(BIN)/ruff check .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   ?= demo-workspace

.PHONY: demo test bench lint docs clean check-minimums

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO)
	$(BIN)/salesops init $(DEMO) --sample
	SALESOPS_TODAY=2026-11-27 $(BIN)/salesops -w $(DEMO) report weekly --as-of 2026-11-27

# Bytecode is cached as Python does by default, even where PYTHONDONTWRITEBYTECODE is set: otherwise
# every salesops process a test starts (~100) recompiles what changed, and both workers re-rewrite
# every test module (about a quarter second per process, 2.4 s per worker).
test: export PYTHONDONTWRITEBYTECODE =
test: $(VENV)/.installed-dev
	$(BIN)/ruff check salesops tests benchmarks
	$(BIN)/python -m compileall -q salesops
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/run.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check salesops tests benchmarks

# The suite on the oldest versions pyproject.toml allows (tests/minimum_pins.py), in a venv of its own:
# every `>=` there must be a version this passes on.
MINVENV ?= .venv-minimums
check-minimums: | $(BIN)/python
	rm -rf $(MINVENV)
	$(PYTHON) -m venv $(MINVENV)
	$(MINVENV)/bin/python -m pip install --quiet --upgrade pip
	$(BIN)/python tests/minimum_pins.py dev bench > $(MINVENV)/pins.txt
	$(MINVENV)/bin/python -m pip install --quiet -r $(MINVENV)/pins.txt
	$(MINVENV)/bin/python -m pip install --quiet --no-deps -e .
	PYTHONDONTWRITEBYTECODE= $(MINVENV)/bin/python -m pytest -n 2 --dist loadgroup

docs: $(VENV)/.installed
	$(BIN)/python -m salesops.docs --write README.md

clean:
	rm -rf $(VENV) $(MINVENV) $(DEMO) .pytest_cache

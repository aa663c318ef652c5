# Lotproof — the README's two commands: `make run` and `make test`.
# Each does all the set-up a fresh Linux machine needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint deps system-deps bench clean dist

run: deps
	$(BIN)/lotproof run

test: deps lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: deps
	$(BIN)/ruff check app resources tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# System packages come after the venv: their check runs ldd on Qt's X11 plugin from PySide6.
deps: $(STAMP) system-deps

system-deps: $(STAMP)
	@sh installer/system-deps.sh $(VENV)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lotproof needs Python 3.11 or newer; set PYTHON=/path/to/python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,tryton]'
	touch $(STAMP)

# `make bench` lists the benchmarks; `make bench BENCH=lot_browser BENCH_ARGS=--runs=5` runs one.
bench: deps
	$(BIN)/python -m benchmarks $(BENCH) $(BENCH_ARGS)

# The self-contained application (PyInstaller onedir) in dist/lotproof/, the Linux tarball
# dist/lotproof-<version>-linux-<machine>.tar.gz, and a smoke test of the built program.
DIST_STAMP := $(VENV)/.installed-dist

dist: deps $(DIST_STAMP)
	$(BIN)/python installer/build.py

$(DIST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,dist]'
	touch $(DIST_STAMP)

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache

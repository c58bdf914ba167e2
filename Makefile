# careDesk — the two commands (run, test) plus lint, bench and dist.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed


.PHONY: run test lint bench dist clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/caredesk

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check careDesk ui tests benchmarks
	$(VENV)/bin/ruff format --check careDesk ui tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

dist: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,dist]'
	$(VENV)/bin/pyinstaller --noconfirm --clean --distpath dist --workpath build installer/caredesk.spec

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache

# careDesk — the two commands (run, test) plus lint, bench and dist.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed


.PHONY: run test lint bench dist dist-check clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Both first check that Qt's platform plugins find their system libraries (README, System
# requirements): a missing one is named with the apt command, not left to a Qt abort.
run: $(STAMP)
	$(PY) -m ui.syslibs
	$(VENV)/bin/caredesk

# The suite runs on every core, at most four (pytest-xdist: one process per core, each test
# file whole on one of them, each process with its own throwaway servers). TEST_WORKERS=0 runs
# it in this one process.
TEST_WORKERS ?= logical
test: $(STAMP)
	$(PY) -m ui.syslibs offscreen xcb
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check careDesk ui tests benchmarks installer
	$(VENV)/bin/ruff format --check careDesk ui tests benchmarks installer
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks

# The installable app (installer/README.md): dist/caredesk/, plus the Linux .tar.gz.
DIST_STAMP := $(VENV)/.dist-installed

$(DIST_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,dist]'
	touch $(DIST_STAMP)

dist: $(DIST_STAMP)
	$(VENV)/bin/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build installer/caredesk.spec
	$(PY) installer/package.py dist

# Build, then run the built app's self-test offscreen (what CI does).
dist-check: dist
	dist/caredesk/caredesk --version
	QT_QPA_PLATFORM=offscreen dist/caredesk/caredesk --self-test

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache

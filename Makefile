# 民情地图 — every target does its own set-up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
SCALE  ?= small
PYTEST_ARGS ?=
# e.g. BENCH_ARGS="--only notify --notify-count 2000" for a shorter notification run
BENCH_ARGS ?=
# e.g. SCALE_CHECK_ARGS="--cases 1000 --keep" for a longer drill that keeps its logs
SCALE_CHECK_ARGS ?=
# xdist: one worker per core; browser and bench tests each stay on one worker (tests/conftest.py).
XDIST  ?= -n auto
# Keep compiled modules (__pycache__) even where the environment says not to write them: the tests start many
# servers and commands that each import the app, and uv installs packages without compiling them.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-quick bench scale-check setup system-deps browser-deps python-deps assets db lint clean help

help:
	@echo "make demo   — set up everything and serve the demo community on http://127.0.0.1:$(PORT) (with a queue worker)"
	@echo "make test   — set up everything and run the whole test suite on a throwaway PostGIS"
	@echo "make test-quick — the same without the browser and slow tests"
	@echo "make bench  — the benchmark (SCALE=small|city, BENCH_ARGS=\"--only notify --notify-count 2000\")"
	@echo "make scale-check — the failover drill: primary + synchronous standby, Redis, 2 app nodes, 2 workers, nginx"

demo: setup db
	$(BIN)/minqing demo load
	$(BIN)/minqing demo accounts
	$(BIN)/minqing serve --port $(PORT) --with-worker

test: setup browser-deps
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

test-quick: setup
	$(BIN)/python -m pytest $(XDIST) -m "not browser and not slow" $(PYTEST_ARGS)

bench: setup browser-deps
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

scale-check: setup browser-deps
	$(BIN)/python -m bench.scale_check $(SCALE_CHECK_ARGS)

# The Python packages and the npm packages install side by side (two jobs); the vendor tree needs both.
setup: system-deps
	@$(MAKE) --no-print-directory -j2 assets

system-deps:
	@sh tools/install-system-deps.sh

browser-deps:
	@sh tools/install-system-deps.sh --browser

python-deps: $(VENV)/.installed

# uv installs what pip would, from the same registry, in seconds rather than half a minute; pip if uv fails.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(BIN)/python -m pip install -q uv && $(BIN)/uv pip install -q --python $(BIN)/python -e '.[test]' ) \
		|| $(BIN)/python -m pip install -q -e '.[test]'
	touch $@

assets: python-deps static/vendor/.built

# The two steps of static/build_vendor.sh, as two targets so that npm's runs beside pip's.
static/node_modules/.installed: static/package.json static/package-lock.json
	cd static && npm ci --no-audit --no-fund
	touch $@

static/vendor/.built: static/node_modules/.installed $(VENV)/.installed static/build_vendor.py
	cd static && ../$(BIN)/python build_vendor.py
	touch $@

db: setup
	$(BIN)/minqing db up
	$(BIN)/minqing db upgrade

lint: python-deps
	$(BIN)/ruff check geo_app tests

clean:
	-$(BIN)/minqing db down
	rm -rf $(VENV) static/node_modules static/vendor

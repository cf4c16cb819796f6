# Teaching the Teacher, reproduced -- build, test and benchmark entry points.
#   make book                 execute every chapter (PROFILE=paper) and build the HTML book
#   make book PROFILE=smoke   same, with tiny settings (minutes)
#   make test                 unit tests + notebook checks + headless-browser check of the smoke book
#   make evidence             run the powered grids into the evidence ledger (evidence/; hours: dask-capable)
#   make verify-evidence      recompute VERIFY_N random ledger cells from scratch; fails on any difference
#   make verify-teachers      retrain every ledger cell's teacher; fails unless its R² are bitwise the record's
VENV    ?= .venv
PYTHON  ?= python3
PROFILE ?= paper
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
HTML    := _build/_build/html/index.html
VERIFY_N ?= 5
VERIFY_ARGS ?=
EVIDENCE_ARGS ?=# e.g. --n-jobs 2 --seeds 0-4 (or set DISTILLKIT_DASK_SCHEDULER)
# the book's run cache (distillkit.book.build's default), seeded from the evidence ledger
BOOK_CACHE = $${DISTILLKIT_CACHE:-$(CURDIR)/_cache/runs}

.PHONY: all venv book test chromium bench sync clean distclean evidence verify-evidence verify-teachers

all: book

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e '.[test,book,dask]'
	touch $@

venv: $(STAMP)

book: $(STAMP)
	DISTILLKIT_CACHE="$(BOOK_CACHE)" $(PY) -m distillkit.experiments.evidence seed
	$(PY) -m distillkit.book --profile $(PROFILE)
	@echo "Open file://$(CURDIR)/$(HTML)"

# Headless Chromium + chromedriver for the browser test (Debian packages).
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && apt-get install -y -q chromium chromium-driver; \
	  else \
	    echo "chromium/chromedriver missing and not root: the browser test will be skipped"; \
	  fi; \
	fi

test: $(STAMP) chromium
	$(PY) -m pytest -q tests

# powered grids (distillkit.experiments.evidence): resumable through the run cache; on a dask
# cluster when DISTILLKIT_DASK_SCHEDULER is set; the ledger in evidence/ is committed
evidence: $(STAMP)
	$(PY) -m distillkit.experiments.evidence run $(EVIDENCE_ARGS)

verify-evidence: $(STAMP)
	$(PY) -m distillkit.experiments.evidence verify --n $(VERIFY_N) $(VERIFY_ARGS)

verify-teachers: $(STAMP)
	$(PY) -m distillkit.experiments.evidence verify-teachers

bench: $(STAMP)
	$(PY) benchmarks/run.py

sync: $(STAMP)
	$(VENV)/bin/jupytext --sync notebooks/*.py

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	rm -rf notebooks/.ipynb_checkpoints

# also drops the run cache and the virtual environment
distclean: clean
	rm -rf _cache $(VENV) *.egg-info

# make run   — the product, embedded default (SQLite, in-process services), on http://127.0.0.1:5000
# make test  — the whole test suite (unit, integration on loopback, PostgreSQL/Redis when they answer)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export SIGNER_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test lint demo bench clean

# Debian packages: the product needs the seal font and SoftHSM2 (the PKCS#11 token standing in for the physical
# KEY in development); the tests add the independent validators (poppler's pdfsig with NSS's certutil, qpdf,
# openssl), pg_dump for the backup test and a browser.
RUN_PACKAGES  := fonts-noto-cjk softhsm2
TEST_PACKAGES := $(RUN_PACKAGES) poppler-utils libnss3-tools qpdf openssl postgresql-client chromium

$(STAMP): requirements.txt requirements-dev.txt setup.cfg
	@echo "setting up $(VENV) (Python packages from requirements-dev.txt)"
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	@scripts/system-packages $(RUN_PACKAGES)
	$(VENV)/bin/signer init
	$(VENV)/bin/signer serve --host $${SIGNER_HOST:-127.0.0.1} --port $${SIGNER_PORT:-5000}

test: $(STAMP)
	@scripts/system-packages $(TEST_PACKAGES)
	@scripts/local-services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

demo: $(STAMP)
	$(VENV)/bin/signer demo --out out/demo

# make bench LOAD_ARGS=--quick  — the load harness with small counts (bench/README.md)
bench: $(STAMP)
	$(PY) bench/signing_bench.py
	$(PY) bench/loop_latency.py
	$(PY) bench/queue_bench.py
	$(PY) bench/load.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

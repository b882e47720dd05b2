# make run   — the product, embedded default (SQLite, in-process services), on http://127.0.0.1:5000
# make test  — the whole test suite (unit, integration on loopback, PostgreSQL when configured)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export SIGNER_INSTANCE ?= $(CURDIR)/instance

.PHONY: run test lint demo bench clean

# Debian packages the product itself needs (the seal font); .ci/run adds the test tools.
SYSTEM_PACKAGES := fonts-noto-cjk

$(STAMP): requirements.txt requirements-dev.txt setup.cfg
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	  | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "please install: sudo apt-get install $$missing" >&2; exit 1; fi; fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/signer init
	$(VENV)/bin/signer serve --host $${SIGNER_HOST:-127.0.0.1} --port $${SIGNER_PORT:-5000}

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: $(STAMP)
	$(VENV)/bin/signer demo --out out/demo

bench: $(STAMP)
	$(PY) bench/signing_bench.py
	$(PY) bench/loop_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

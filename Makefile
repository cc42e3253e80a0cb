# safemaker — two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   runs the seed's walkthrough on the embedded local backend
#   make test   creates its own virtualenvs, installs, runs every test under both SDK majors
#
# The test matrix: one virtualenv per SageMaker SDK major, the same boto3/botocore/moto pins
# (constraints.txt) in both. `make test` runs the whole suite in the SDK v2 environment and, in the
# SDK v3 environment, the tests that use the SDK (--sdk-only: the others do not depend on the SDK
# major, so they run once); side by side (MATRIX_JOBS=1 runs them one after the other), each in
# TEST_WORKERS pytest-xdist processes (auto = one per CPU per leg in all, split by work: the SDK v3 leg
# a quarter, at least 1; 1 = no xdist), and fails if either fails
# or runs no test. Tests that need one major are marked sdk2/sdk3 and skipped in the other; tests
# that use whichever SDK is installed are marked sdk (tests/sdk_markers.py).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY      = $(VENV)/bin/python
EXTRAS ?= sdk2,local,demo,test
VENV3   ?= .venv-v3
PY3      = $(VENV3)/bin/python
EXTRAS3 ?= sdk3,local,demo,test
MATRIX_JOBS ?= 2
TEST_WORKERS ?= auto

.PHONY: demo test test-v2 test-v3 venv venv-v3 unit functional fuzz bench docs docs-tables clean

$(VENV)/.installed: pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

$(VENV3)/.installed: pyproject.toml constraints.txt constraints-v3.txt Makefile
	$(PYTHON) -m venv $(VENV3)
	$(PY3) -m pip install --quiet --upgrade pip
	$(PY3) -m pip install --quiet -c constraints.txt -c constraints-v3.txt -e '.[$(EXTRAS3)]'
	touch $@

venv: $(VENV)/.installed

venv-v3: $(VENV3)/.installed

demo: venv
	$(VENV)/bin/safemaker demo

test: venv venv-v3
	$(PYTHON) tests/run_matrix.py --jobs $(MATRIX_JOBS) --workers $(TEST_WORKERS) \
	    --env sdk2=$(VENV) --env sdk3=$(VENV3) --sdk-only sdk3

test-v2: venv
	$(PY) -m pytest -q

test-v3: venv-v3
	$(PY3) -m pytest -q

unit: venv
	$(PY) -m pytest -q tests/unit

functional: venv
	$(PY) -m pytest -q tests/functional

fuzz: venv
	SAFEMAKER_DEV_FUZZ_EXAMPLES=50000 $(PY) -m pytest -q -p no:randomly tests/fuzz -s

bench: venv
	$(PY) benchmarks/run.py

docs-tables: venv
	PYTHONPATH=src $(PY) docs/_tools/generate_tables.py

docs: venv
	$(PY) -m pip install --quiet -c constraints.txt -e '.[docs]'
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) $(VENV3) .pytest_cache .hypothesis site

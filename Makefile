# safemaker — two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   runs the seed's walkthrough on the embedded local backend
#   make test   creates its own virtualenv, installs, runs every test
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
PY      = $(VENV)/bin/python
EXTRAS ?= sdk2,local,demo,test

.PHONY: demo test venv unit functional fuzz bench docs clean

$(VENV)/.installed: pyproject.toml constraints.txt Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@

venv: $(VENV)/.installed

demo: venv
	$(VENV)/bin/safemaker demo

test: venv
	$(PY) -m pytest -q

unit: venv
	$(PY) -m pytest -q tests/unit

functional: venv
	$(PY) -m pytest -q tests/functional

fuzz: venv
	SAFEMAKER_FUZZ_EXAMPLES=50000 $(PY) -m pytest -q -p no:randomly tests/fuzz -s

bench: venv
	$(PY) benchmarks/run.py

docs: venv
	$(PY) -m pip install --quiet -c constraints.txt -e '.[docs]'
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis site

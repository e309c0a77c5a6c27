PY ?= .venv/bin/python

.PHONY: setup test lint fmt bench

setup:
	python3 -m venv .venv && $(PY) -m pip install -q -e '.[dev]'

test:
	$(PY) -m pytest -q

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

fmt:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

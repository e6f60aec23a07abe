# Two commands for a new user: `make demo` and `make test`. Everything installs into .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,plot,dev,slides]'
	touch $(STAMP)

demo: venv
	$(BIN)/python demos/07_backpropagation.py
	@echo "The command line is in the venv: $(BIN)/chainrule --help (or: source $(BIN)/activate, then chainrule --help)"

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check chainrule tests demos benchmarks
	$(BIN)/ruff format --check chainrule tests demos benchmarks
	$(BIN)/mypy

bench: venv
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/scalar.py
	$(BIN)/python benchmarks/train_moons.py
	$(BIN)/python benchmarks/batched.py
	$(BIN)/python benchmarks/gpt.py
	$(BIN)/python benchmarks/hessian.py

clean:
	rm -rf $(VENV) out .pytest_cache

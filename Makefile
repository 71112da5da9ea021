# slotgrab: two entry points. Both create .venv and install the project into it first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install compile pure clean constraints

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

# The simulator's hot path compiled with mypyc (sim/compiled.py lists the modules). Rebuilt when a
# source in those packages changes; a failed compile warns and leaves pure Python (same records).
HOT_SRC  := $(wildcard sim/compiled.py sim/build_compiled.py sim/rng.py sim/scenario/sampler.py sim/domain/ledger.py \
                       sim/drivers/*.py sim/drivers/load/*.py sim/agents/*.py sim/service/*.py sim/policies/*.py)
COMPILED := $(VENV)/.compiled

$(COMPILED): $(STAMP) $(HOT_SRC)
	$(BIN)/python -m sim.build_compiled
	touch $(COMPILED)

install: $(STAMP) $(COMPILED)

compile: $(STAMP)
	$(BIN)/python -m sim.build_compiled
	touch $(COMPILED)

# remove the compiled modules: the sources run (or set SLOTGRAB_PURE_PYTHON=1 for one command)
pure:
	$(PYTHON) -c "import pathlib; [p.unlink() for p in pathlib.Path('sim').rglob('*.so')]"
	rm -rf build/mypyc $(COMPILED)

demo: $(STAMP) $(COMPILED)
	$(BIN)/slotgrab demo

# mypy --strict also on every compiled module: mypyc turns its annotations into run-time checks
lint: $(STAMP) $(COMPILED)
	$(BIN)/ruff check sim targets reports slotgrab tests
	$(BIN)/mypy
	$(BIN)/mypy --strict -p sim.domain -p sim.policies -p sim.service -p sim.agents -p sim.scenario
	$(BIN)/mypy --strict $$($(BIN)/python -c "from sim.compiled import COMPILED; print(' '.join('-m ' + m for m in COMPILED))")

test: lint
	$(BIN)/python -m pytest

# pin what is installed now (after a dependency change in pyproject.toml)
constraints: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(BIN)/pip --version | awk '{print "pip==" $$2}'; \
	  $(BIN)/pip freeze --exclude-editable | grep -v "^#"; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean: pure
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache build

# slotgrab: two entry points. Both create .venv and install the project into it first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install clean constraints

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/slotgrab demo

lint: $(STAMP)
	$(BIN)/ruff check sim targets reports slotgrab tests
	$(BIN)/mypy
	$(BIN)/mypy --strict -p sim.domain -p sim.policies -p sim.service -p sim.agents -p sim.scenario

test: lint
	$(BIN)/python -m pytest

# pin what is installed now (after a dependency change in pyproject.toml)
constraints: $(STAMP)
	{ sed -n '1,2p' constraints.txt; $(BIN)/pip --version | awk '{print "pip==" $$2}'; \
	  $(BIN)/pip freeze --exclude-editable | grep -v "^#"; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache

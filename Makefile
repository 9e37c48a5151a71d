# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make verify   creates .venv, installs citewatch, verifies claims/nardaran-case.yaml
#   make test     creates .venv, installs citewatch with its test tools, runs the whole suite
#   make check    the same set-up, then the quick lane: every test not marked slow, browser or postgres
#   make lint     the same set-up, then mypy and ruff over citewatch/ and flows/ (tools/lint.sh)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed

.PHONY: verify test check lint install demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# setuptools warns on every editable install ("be careful with folders ... same name"): nothing to act on
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

verify: $(STAMP)
	$(BIN)/citewatch verify claims/nardaran-case.yaml

demo: $(STAMP)
	$(BIN)/citewatch demo

test: $(STAMP)
	$(BIN)/python -m pytest

# The quick lane while working: the pure core and the fixture web, no process started, no Prefect
# server, no whole run of the CLI (well under a minute); `make test` runs everything before a commit.
check: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser and not postgres"

# mypy (--check-untyped-defs) and ruff over citewatch/ and flows/, configured in pyproject.toml
lint: $(STAMP)
	VENV=$(VENV) tools/lint.sh

clean:
	rm -rf $(VENV) build *.egg-info

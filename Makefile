# Two commands do all the set-up on a fresh clone:
#   make demo   deploy, drift, correct, fail, roll back and destroy the example app on the local emulator
#   make test   every test (unit, functional, emulator, cdk, integration, the demo itself)
# Each creates .venv and node_modules first when they are missing or out of date. The demo installs only
# what it runs (requirements.txt + requirements-local.txt); the tests add requirements-dev.txt.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
# cdk.json runs `python3 cdk/app.py`: the project venv comes first on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# The CDK CLI must not try to reach the network (version notices, telemetry) on an offline machine.
export CDK_DISABLE_VERSION_CHECK := 1
export CDK_DISABLE_CLI_TELEMETRY := 1

.PHONY: setup setup-local test demo synth lint bench clean

PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check

# Everything: what the demo runs and the test, lint and benchmark tools.
setup: $(STAMPS)/dev $(STAMPS)/node

# What the demo and a synth run: the runtime, the emulator and the driver, this project (editable).
setup-local: $(STAMPS)/local $(STAMPS)/node

$(STAMPS)/local: requirements.txt requirements-local.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt -r requirements-local.txt
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev: $(STAMPS)/local requirements-dev.txt
	$(PIP_INSTALL) -r requirements.txt -r requirements-local.txt -r requirements-dev.txt
	mkdir -p $(STAMPS) && touch $@

$(STAMPS)/node: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(STAMPS) && touch $@

test: setup
	$(PY) -m pytest

demo: setup-local
	$(PY) -m sms_pool_settings_local.deploy.demo

synth: setup-local
	npx cdk synth --quiet

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) node_modules $(STAMPS) cdk.out .local-state

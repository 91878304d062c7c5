# Marsad: `make run` runs the main job on the bundled defaults, `make test` runs the whole suite.
# Both create .venv when missing and install the project into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FEEDS ?= examples/feeds/feeds.yaml
OUTPUT ?= var/out
REGISTRY ?= var/registry
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: run test install train bench soak lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

train: $(STAMP)
	$(BIN)/marsad train --registry $(REGISTRY) --if-missing

run: train
	$(BIN)/marsad ingest --feeds $(FEEDS) --output $(OUTPUT) --registry $(REGISTRY)

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: train
	$(BIN)/python -m bench.model_options
	$(BIN)/python -m bench.ingest --sizes 10000 100000 --registry $(REGISTRY)

soak: train
	$(BIN)/python -m bench.soak --rounds 4 --feeds 200 --registry $(REGISTRY) --json var/soak.json

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check pipelines models schemas flows tests bench
	$(BIN)/ruff format --check pipelines models schemas flows tests bench

clean:
	rm -rf var .pytest_cache .hypothesis

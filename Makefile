# One command sets up and runs: `make run` (the embedded default) and `make test` (the test suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CORES ?= all
# The experiment config of `make report` (any config: its report goes to results/<experiment>/report.html).
CONFIG ?= config/config.yaml
# The config whose grid `make cost` prices (merged over config/config.yaml, as snakemake does).
COST_CONFIG ?= config/paper.yaml
# Some machines cap torch/torchvision through a global pip constraint file; the pins in
# requirements.txt are the tested set, so constraints from elsewhere are ignored.
PIP := PIP_CONSTRAINT=/dev/null $(BIN)/python -m pip

.PHONY: install run smoke test coverage lint format report bench clean config-docs cost

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -e .
	touch $@

run: install
	$(BIN)/snakemake --cores $(CORES)

smoke: install
	$(BIN)/snakemake --cores $(CORES) --configfile config/smoke.yaml

report: install
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG)
	$(BIN)/snakemake --configfile $(CONFIG) --report results/$$($(BIN)/python -c \
		"import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['experiment'])" $(CONFIG))/report.html

# The suite, then its 15 slowest tests (so a slow new test shows in CI's log).
test: install
	$(BIN)/python -m pytest --durations=15

# Line coverage of src/dof by the suite, the snakemake processes it starts and their jobs included.
coverage: install
	rm -f .coverage .coverage.*
	COVERAGE_FILE=$(CURDIR)/.coverage $(BIN)/coverage run -m pytest -q
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report --skip-covered --sort=cover

bench: install
	$(BIN)/python benchmarks/projections.py --threads 1
	$(BIN)/python benchmarks/wrapper.py --threads 1
	$(BIN)/python benchmarks/dag_scale.py
	$(BIN)/python benchmarks/rule_resources.py results/default
	$(BIN)/python benchmarks/seed_batches.py
	$(BIN)/python benchmarks/refinement.py
	$(BIN)/python benchmarks/refinement_per_seed.py
	$(BIN)/python benchmarks/supermask_rescaling.py
	$(BIN)/python benchmarks/throughput.py

# The projected cost of COST_CONFIG's grid on this machine, from a few timed steps per (dataset shape, model) cell.
cost: install
	$(BIN)/python benchmarks/cost.py --configfile $(COST_CONFIG) --compare-dense-memory-mb 512

lint: install
	$(BIN)/ruff check src tests workflow/scripts examples
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint

format: install
	$(BIN)/ruff format src tests workflow/scripts examples
	$(BIN)/snakefmt Snakefile workflow/rules

# The config schema (YAML and JSON) and config/README.md's key tables, written from the pydantic blocks of src/dof/config/.
config-docs: install
	$(BIN)/python -m dof.config.docs

clean:
	rm -rf results .snakemake

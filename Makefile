# mgnet: everything runs in a local virtual environment that the targets create.
#   make test        the test suite (fast; slow tests: make test-slow)
#   make notebook    execute docs/notebooks/analysis.ipynb on two quick runs
#   make reproduce   run every experiment at default scale, draw figures, write the report
#   make bench       every benchmark, one table (benchmarks/out/summary.md);
#                    make bench BENCH_ARGS=--quick for the small smoke-test versions
#   make check-equivalence BASE=main [ONLY=culture-activity]
#                    quick reproduce on BASE and on this tree, run files compared
#                    (tools/check_equivalence.py; provenance attributes excepted)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SCALE  ?= default
RESULTS ?= results
STAMP   = $(VENV)/.installed
BENCH_STAMP = $(VENV)/.installed-bench
BENCH_ARGS ?=
BASE   ?= main
ONLY   ?=
# pytest-xdist workers for make test: one per core of the 2-core reference machine (the
# cold first run is dominated by Cython compilations, which Brian2 serialises per module
# with a file lock, so two workers share the cache safely)
TEST_WORKERS ?= 2

.PHONY: all install test test-slow lint notebook reproduce figures docs-figures calibrate bench \
	check-equivalence clean-venv

all: test

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n $(TEST_WORKERS)

# ruff (pyflakes, isort, pyupgrade, bugbear, numpy rules; [tool.ruff] in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .

test-slow: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m "slow"

# docs/notebooks/*.ipynb executed with nbclient; the notebook makes its two quick
# culture-activity runs under $(RESULTS) if they are missing.  Executed copies go to
# $(RESULTS)/notebooks/ (the committed notebooks stay without outputs).
notebook: $(STAMP)
	OMP_NUM_THREADS=1 MGNET_RESULTS=$(RESULTS) \
		$(BIN)/python docs/notebooks/run_notebooks.py --out $(RESULTS)/notebooks

reproduce: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/mgnet reproduce --scale $(SCALE) --results $(RESULTS)

figures: $(STAMP)
	$(BIN)/mgnet figures --results $(RESULTS)

docs-figures: $(STAMP)
	$(BIN)/mgnet figures --docs --results $(RESULTS)

calibrate: $(STAMP)
	$(BIN)/mgnet calibrate t6 --write

# The [bench] extras (nest-simulator) are optional: without them bench_nest is skipped.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]" || \
		echo "nest-simulator not installed: benchmarks/bench_nest.py will be skipped"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

check-equivalence: $(STAMP)
	$(BIN)/python tools/check_equivalence.py --base $(BASE) $(if $(ONLY),--only $(ONLY))

clean-venv:
	rm -rf $(VENV)

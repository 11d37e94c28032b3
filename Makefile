# Two commands from a fresh clone: `make run` (set up, ingest corpus/, start the app) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INDEX ?= .index
PORT ?= 8501
export HF_HUB_OFFLINE := 1

.PHONY: setup run ingest test test-fast browser-deps bench eval clean

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.model: $(VENV)/.installed
	$(PY) -m index.e5_convert
	touch $@

setup: $(VENV)/.installed $(VENV)/.model

ingest: setup
	$(VENV)/bin/plankb ingest corpus/ --index $(INDEX)

run: ingest
	$(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.headless true -- --index $(INDEX)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

test: setup browser-deps
	$(VENV)/bin/pytest -q

test-fast: setup
	$(VENV)/bin/pytest -q -m "not model and not browser"

SHARED ?= ../shared
eval: setup
	$(VENV)/bin/plankb ingest $(addprefix $(SHARED)/corpus/,plans history reports laws policies) --index .eval-index
	$(VENV)/bin/plankb eval $(SHARED)/eval/dev_questions.jsonl --index .eval-index --stard-index .eval-index-stard

bench: setup
	$(PY) benchmarks/bench.py

clean:
	rm -rf $(VENV) $(INDEX) .eval-index

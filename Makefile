# Quickstart targets: `make serve` (install, build, serve) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS ?= -q

.PHONY: serve build test system-deps clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) --upgrade pip
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test]'
	touch $@

build: $(VENV)/.installed
	$(VENV)/bin/iuckg build

serve: $(VENV)/.installed
	$(VENV)/bin/iuckg serve

# Debian packages the tests drive: headless Chromium and its driver, and Virtuoso (a remote SPARQL
# store; the tests start their own server from a temporary folder, on loopback ports).
system-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v virtuoso-t >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	   virtuoso-opensource)

test: $(VENV)/.installed system-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) dist .pytest_cache

# needmap: `make run` starts the main job, `make test` runs every test.
# Both install what they need on a clean Debian machine.

CARGO ?= cargo
APT_PACKAGES := cmake
SHARED_DATA := ../shared/geodata/bradford

.PHONY: run test bench check deps geodata fixtures clean loadtest

## Start the map server on the default dataset (prints the URL; Ctrl-C stops it).
run: deps
	$(CARGO) run --release -- serve

## Install system packages, then run every test (unit, integration, doc).
test: deps fixtures
	$(CARGO) test --release --all-targets
	$(CARGO) test --release --doc

## Benchmarks (not part of `make test`).
bench: deps
	$(CARGO) bench --bench engine
	$(CARGO) bench --bench gaps
	$(CARGO) bench --bench serve

## Load-test the map server with wrk at 64 connections on 127.0.0.1 (not part of `make test`).
loadtest: deps
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl)
	$(CARGO) build --release
	bash scripts/loadtest.sh 10 64

## Load the default dataset and list every problem.
check: deps
	$(CARGO) run --release -- check

## System packages needed to build (bundled PROJ needs cmake).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## Download the open data pack into geodata/bradford (for machines with internet).
geodata:
	bash geodata/download.sh geodata/bradford

## Regenerate test fixtures from independent implementations (shapely, PySAL).
fixtures:
	python3 -m pip install --quiet --disable-pip-version-check -r tests/fixtures/requirements.txt
	python3 tests/fixtures/overlay_reference.py $(SHARED_DATA) tests/fixtures/reference
	$(CARGO) run --release -- gaps --level oa --category gp --format csv --data $(SHARED_DATA) > /tmp/needmap_oa_gp.csv
	python3 tests/fixtures/fca/make_fca_fixtures.py $(SHARED_DATA) tests/fixtures/fca /tmp/needmap_oa_gp.csv
	python3 tests/fixtures/network/make_pbf_fixtures.py tests/fixtures/network

clean:
	$(CARGO) clean

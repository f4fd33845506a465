# needmap: `make run` starts the main job, `make test` runs every test.
# Both install what they need on a clean Debian machine.

CARGO ?= cargo
APT_PACKAGES := cmake fonts-dejavu-core poppler-utils gdal-bin
SHARED_DATA := ../shared/geodata/bradford

.PHONY: run test bench bench-scale check deps geodata fixtures clean loadtest web-vendor browser-deps browser-test lint-web fuzz qgis-deps qgis-test

## Start the map server on the default dataset (prints the URL; Ctrl-C stops it).
run: deps web-vendor
	$(CARGO) run --release -- serve

## Install system packages, then run every test (unit, integration, doc).
## The commands the tests run keep their engine cache in the target folder, not in ~/.cache.
test browser-test qgis-test fixtures: export NEEDMAP_CACHE_DIR ?= $(abspath $(or $(CARGO_TARGET_DIR),target))/engine-cache
test: deps fixtures web-vendor qgis-deps
	$(CARGO) test --release --all-targets
	$(CARGO) test --release --doc
	$(MAKE) browser-test
	$(MAKE) qgis-test

## Benchmarks (not part of `make test`).
bench: deps
	$(CARGO) bench --bench engine
	$(CARGO) bench --bench gaps
	$(CARGO) bench --bench serve
	$(CARGO) bench --bench suggest

## needmap on synthetic datasets of 1x, 4x, 16x, 64x the district and England (examples/synth,
## cached under the target dir): check, ward report, ward gaps and server start-up, with wall,
## CPU and peak RSS medians, the log-log slope and the CPU ratio to geopandas (not part of `make test`).
## BENCH_SIZES, BENCH_SEED, BENCH_REPEAT, BENCH_OAS=1, BENCH_GEOPANDAS=0: see scripts/bench_scale.py.
BENCH_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),target))
bench-scale: deps
	@python3 -c "import geopandas" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check geopandas
	$(CARGO) build --release --bin needmap --example synth
	python3 scripts/bench_scale.py $(BENCH_TARGET)/release/needmap $(BENCH_TARGET)/release/examples/synth $(BENCH_TARGET)

## Load-test the map server with wrk at 64 connections on 127.0.0.1 (not part of `make test`).
loadtest: deps
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk curl)
	$(CARGO) build --release
	bash scripts/loadtest.sh 10 64

## Mutation-fuzz the loaders over the real pack for FUZZ_SECONDS (default 600) with a
## per-input limit of FUZZ_TIMEOUT s; fails on any panic, signal or hang and saves each
## reproducer under FUZZ_OUT (not part of `make test`). Then the partners' upload parser
## (CSV and XLSX, in-process): FUZZ_UPLOAD_SECONDS per parser (default 60), FUZZ_UPLOAD_TIMEOUT
## s per input (default 10).
FUZZ_SECONDS ?= 600
FUZZ_UPLOAD_SECONDS ?= 60
FUZZ_UPLOAD_TIMEOUT ?= 10
FUZZ_TIMEOUT ?= 30
FUZZ_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),target))
FUZZ_OUT ?= $(FUZZ_TARGET)/fuzz-reproducers
fuzz: deps
	$(CARGO) build --release --bin needmap --example fuzz_loaders --example fuzz_uploads
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TIMEOUT=$(FUZZ_TIMEOUT) FUZZ_OUT=$(FUZZ_OUT) FUZZ_DATA=$(abspath $(SHARED_DATA)) \
	  NEEDMAP_BIN=$(FUZZ_TARGET)/release/needmap $(FUZZ_TARGET)/release/examples/fuzz_loaders
	FUZZ_UPLOAD_SECONDS=$(FUZZ_UPLOAD_SECONDS) FUZZ_TIMEOUT=$(FUZZ_UPLOAD_TIMEOUT) FUZZ_OUT=$(FUZZ_OUT) FUZZ_DATA=$(abspath $(SHARED_DATA)) \
	  $(FUZZ_TARGET)/release/examples/fuzz_uploads

## Load the default dataset and list every problem.
check: deps
	$(CARGO) run --release -- check

## System packages: cmake (bundled PROJ), fonts-dejavu-core (map text), poppler-utils (print tests), gdal-bin (ogrinfo in the OGC API test; ogrinfo, ogr2ogr and validate_gpkg.py in the register test).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## Download the open data pack into geodata/bradford (for machines with internet).
geodata:
	bash geodata/download.sh geodata/bradford

## Regenerate test fixtures from independent implementations (shapely, PySAL; shapely point-in-polygon for postcode weights).
fixtures:
	python3 -m pip install --quiet --disable-pip-version-check -r tests/fixtures/requirements.txt
	python3 tests/fixtures/overlay_reference.py $(SHARED_DATA) tests/fixtures/reference
	python3 tests/fixtures/postcodes/make_postcode_fixtures.py $(SHARED_DATA) tests/fixtures/postcodes
	$(CARGO) run --release -- gaps --level oa --category gp --format csv --data $(SHARED_DATA) > /tmp/needmap_oa_gp.csv
	python3 tests/fixtures/fca/make_fca_fixtures.py $(SHARED_DATA) tests/fixtures/fca /tmp/needmap_oa_gp.csv
	python3 tests/fixtures/network/make_pbf_fixtures.py tests/fixtures/network
	$(CARGO) build --release
	python3 tests/fixtures/suggest/make_suggest_fixtures.py $(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap $(SHARED_DATA) tests/fixtures/suggest
	python3 tests/fixtures/jenks_reference.py $(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap tests/browser/unit/jenks_reference.json

clean:
	$(CARGO) clean

## Front end: vendor MapLibre GL JS (pinned, ES modules) from npm into web/vendor (gitignored).
MAPLIBRE_VERSION := 6.17.0
WEB_VENDOR := web/vendor
PMTILES_VERSION := 4.5.0
web-vendor: $(WEB_VENDOR)/.maplibre-$(MAPLIBRE_VERSION) $(WEB_VENDOR)/.pmtiles-$(PMTILES_VERSION)

## The PMTiles reader for published sites (`needmap publish`): the browser build with fflate inside
## (dist/pmtiles.js defines `window.pmtiles`; the ES module build imports the bare name "fflate").
$(WEB_VENDOR)/.pmtiles-$(PMTILES_VERSION):
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@set -e; tmp=$$(mktemp -d); \
	  echo "vendoring pmtiles@$(PMTILES_VERSION) into $(WEB_VENDOR)"; \
	  (cd $$tmp && npm pack --silent pmtiles@$(PMTILES_VERSION) >/dev/null); \
	  tar -xzf $$tmp/pmtiles-$(PMTILES_VERSION).tgz -C $$tmp package/dist/pmtiles.js package/package.json; \
	  mkdir -p $(WEB_VENDOR); rm -f $(WEB_VENDOR)/.pmtiles-*; \
	  cp $$tmp/package/dist/pmtiles.js $(WEB_VENDOR)/pmtiles.js; \
	  echo "pmtiles $(PMTILES_VERSION) (BSD-3-Clause, https://github.com/protomaps/PMTiles); includes fflate (MIT)" > $(WEB_VENDOR)/PMTILES-LICENSE.txt; \
	  rm -rf $$tmp; touch $@

$(WEB_VENDOR)/.maplibre-$(MAPLIBRE_VERSION):
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@set -e; tmp=$$(mktemp -d); \
	  echo "vendoring maplibre-gl@$(MAPLIBRE_VERSION) into $(WEB_VENDOR)"; \
	  (cd $$tmp && npm pack --silent maplibre-gl@$(MAPLIBRE_VERSION) >/dev/null); \
	  tar -xzf $$tmp/maplibre-gl-$(MAPLIBRE_VERSION).tgz -C $$tmp \
	    package/dist/maplibre-gl.mjs package/dist/maplibre-gl-worker.mjs package/dist/maplibre-gl.css package/LICENSE.txt; \
	  mkdir -p $(WEB_VENDOR); rm -f $(WEB_VENDOR)/.maplibre-*; \
	  cp $$tmp/package/dist/maplibre-gl.mjs $$tmp/package/dist/maplibre-gl-worker.mjs \
	     $$tmp/package/dist/maplibre-gl.css $(WEB_VENDOR)/; \
	  cp $$tmp/package/LICENSE.txt $(WEB_VENDOR)/MAPLIBRE-LICENSE.txt; \
	  rm -rf $$tmp; touch $@

## Browser test dependencies: Debian Chromium + fonts (apt), playwright-core (npm, no browser download).
BROWSER_APT := chromium fonts-dejavu-core
browser-deps:
	@missing=""; for p in $(BROWSER_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@cd tests/browser && if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/eslint ]; then \
	  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi; fi

## Front-end unit tests (node --test) and the headless browser test against `needmap serve`
## (NEEDMAP_BIN=path runs a private copy of the binary instead of the one just built).
## Lint of web/js and the browser tests (ESLint, tests/browser/eslint.config.mjs): names used
## but not defined or imported, unused imports and variables. Part of browser-test.
lint-web: browser-deps
	tests/browser/node_modules/.bin/eslint --config tests/browser/eslint.config.mjs web/js tests/browser/*.mjs tests/browser/unit

browser-test: web-vendor browser-deps lint-web
	$(CARGO) build --release
	cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 node --test unit/
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node browser.test.mjs
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node scenario.test.mjs
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node layout.test.mjs
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node trend.test.mjs
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node publish.test.mjs
	cd tests/browser && NEEDMAP_BIN=$${NEEDMAP_BIN:-$(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap} node services.test.mjs

## GDAL and QGIS 3.22 for the file and QGIS tests (tests/it/files.rs, tests/qgis/): gdal-bin
## and python3-qgis from Debian (about 300 packages, 1.2 GB installed, 1.5 minutes).
QGIS_APT := gdal-bin python3-qgis
qgis-deps:
	@missing=""; for p in $(QGIS_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## QGIS (PyQGIS, headless) opens the OGC API, the vector tiles and the GeoJSON of a running server.
qgis-test: qgis-deps
	$(CARGO) build --release
	bash tests/qgis/run.sh $(abspath $(or $(CARGO_TARGET_DIR),target))/release/needmap

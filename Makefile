# ketnoi — `make run` to try it, `make test` to test it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ketnoi_test
export KETNOI_DATABASE_URL ?= sqlite:///var/ketnoi.db

.PHONY: install run migrate demo serve test test-sqlite test-postgres lint fuzz audit-deps docs bench bench-catalog bench-datastore bench-gateway bench-quality bench-governance bench-sync bench-soak clean

$(BIN)/ketnoi: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(BIN)/ketnoi

install: $(BIN)/ketnoi ## create .venv and install ketnoi with its development tools

migrate: install
	$(BIN)/ketnoi db upgrade

demo: migrate
	$(BIN)/ketnoi demo load

# The demo's data source is a SQLite file standing for a unit's own system: SQLite sources are refused
# unless this directory is set, so only `make demo` / `make run` allow them (docs/connectors.md).
demo run: export KETNOI_SOURCE_SQLITE_DIR ?= $(CURDIR)/var/demo_sources
# The demo administrator signs in with the password alone; a real node keeps the default: a one-time
# code after the password, enrolled at the first sign-in (docs/guide.vi.md, «Xác thực hai lớp»).
run: export KETNOI_ADMIN_TOTP_REQUIRED ?= false
# …and logs as text: a terminal, not a log collector.
run: export KETNOI_LOG_FORMAT ?= text

run: demo ## install, migrate, load the demo ministry once, serve on http://127.0.0.1:8000 with a job worker beside it
	$(BIN)/ketnoi worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/ketnoi serve --host 127.0.0.1 --port 8000

lint: install ## ruff and mypy
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/mypy bench

test: lint ## the whole suite on SQLite and on PostgreSQL, side by side (each prints when it ends)
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

test-sqlite: install
	env -u KETNOI_DATABASE_URL KETNOI_TEST_DATABASE_URL= $(BIN)/pytest -q

# The PostgreSQL half skips the tests that never use the suite's database (tests/conftest.py): the SQLite half runs them.
test-postgres: install
	env -u KETNOI_DATABASE_URL KETNOI_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q

fuzz: install ## the API (its OpenAPI document) and the CKAN Action API fuzzed: 100 examples per operation on SQLite, 20 on PostgreSQL (make test: 3, SQLite)
	env -u KETNOI_DATABASE_URL KETNOI_TEST_DATABASE_URL= KETNOI_FUZZ_EXAMPLES=100 $(BIN)/pytest -q tests/api/test_fuzz.py tests/portal/test_ckan_fuzz.py
	env -u KETNOI_DATABASE_URL KETNOI_TEST_DATABASE_URL=$(PG_TEST_URL) KETNOI_FUZZ_EXAMPLES=20 $(BIN)/pytest -q tests/api/test_fuzz.py tests/portal/test_ckan_fuzz.py

audit-deps: install ## every installed package against PyPI's vulnerability data (pip-audit; --strict: a package it cannot look up fails too)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

docs: install ## regenerate docs/configuration.md from settings.py
	$(BIN)/ketnoi settings docs > docs/configuration.md

bench: bench-catalog bench-datastore bench-gateway bench-quality bench-governance bench-sync bench-soak ## every benchmark

bench-catalog: install ## search list page and /api/v1/datasets?q= with 50,000 datasets, SQLite and PostgreSQL
	$(BIN)/python bench/catalog.py

bench-datastore: install ## ingestion of a 1,000,000-row CSV (SQLite, PostgreSQL) and the data API, against the raw engines, Datasette and a bare ASGI server
	$(BIN)/python bench/datastore.py

bench-gateway: install ## the exchange gateway against the plain data API and Datasette, on the same 1,000,000 rows
	$(BIN)/python bench/gateway.py

bench-quality: install ## the five data-quality rules on the 1,000,000-row CSV (SQLite, PostgreSQL) against DuckDB, Polars, Great Expectations and frictionless
	$(BIN)/python bench/quality.py

bench-sync: install ## connectors: full and incremental sync of a 1,000,000-row PostgreSQL source table (SQLite, PostgreSQL), against the file ingestion
	$(BIN)/python bench/sync.py

bench-soak: install ## 10 minutes at 70 % of the measured capacity on the data API and the gateway (PostgreSQL, Redis, 2 workers): errors, p99 drift, RSS growth
	$(BIN)/python bench/soak.py

bench-governance: install ## the leader's plan dashboard, quality overview, inspection and plan reports: 30 units, 5,000 datasets, 3 years (SQLite, PostgreSQL), < 2 s each
	$(BIN)/python bench/governance.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache

# Two commands on a fresh machine: `make run` and `make test`. Only python3 (3.11+) and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000
# What `make run` prints and emails link to: a host name, since passkeys refuse an IP address.
PORTAL_URL ?= http://localhost:8000
# The services suite: its own Redis database (flushed before each test) and a PostgreSQL test
# database that pytest-django creates (test_axur_portal) and drops.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/axur_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/9
# The suites run in parallel with pytest-xdist, one worker per core and at most 4 (the services
# suite gives each worker the next Redis database after TEST_REDIS_URL's). PYTEST_WORKERS=0 runs
# them in this process alone.
PYTEST_WORKERS ?= auto
XDIST := -n $(PYTEST_WORKERS) --maxprocesses 4

# The locks (`make lock` writes them): every package with its hashes, pip and setuptools included.
# LOCK is the dependencies and the dev extra; BROWSER_LOCK adds the browser extra, at LOCK's versions.
LOCK := requirements/dev.txt
BROWSER_LOCK := requirements/browser.txt

.PHONY: install lock translations messages migrate run test test-services test-browser serve lint format

# The project itself goes in last, without its dependencies (the lock has them) and built with the
# lock's setuptools rather than an unpinned one fetched for an isolated build.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 11) else "Python 3.11 or newer is needed; $(PYTHON) is %d.%d." % v[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

install: $(STAMP)

# Resolve pyproject.toml again, for Python 3.11 (CI's), keeping the current pins that still fit.
# LOCK_ARGS=--upgrade moves every package to its newest allowed version,
# LOCK_ARGS='--upgrade-package django' one package. A machine's own pip index settings stay out
# of the locks, which name packages and hashes only.
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND='make lock' $(BIN)/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --build-deps-for editable --no-emit-index-url --no-emit-find-links \
	$(LOCK_ARGS)
lock: $(STAMP)
	@$(BIN)/python -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 11) else "The locks are made with Python 3.11; $(VENV) has %d.%d." % v)'
	$(PIP_COMPILE) --extra dev --output-file $(LOCK) pyproject.toml
	$(PIP_COMPILE) --extra dev --extra browser --constraint $(LOCK) --output-file $(BROWSER_LOCK) \
		pyproject.toml

# The .mo catalogues are built, not committed: compiled in Python, no GNU gettext needed.
translations: install
	$(BIN)/python manage.py compile_translations

# Refresh the .po catalogues from the code and templates (needs GNU gettext's xgettext).
messages: install
	$(BIN)/python manage.py makemessages --locale pt_BR --locale es --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --add-location file

migrate: translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

run: migrate
	DJANGO_DEBUG=true $(BIN)/python manage.py seed_demo
	@echo "Serving the portal at $(PORTAL_URL)/ (Ctrl-C stops it)"
	DJANGO_DEBUG=true PORTAL_URL=$(PORTAL_URL) $(BIN)/python manage.py runserver $(HOST)

test: translations
	$(BIN)/python -m pytest $(XDIST)

# The whole suite again on PostgreSQL and Redis, plus the tests only they can answer
# (concurrency, gunicorn workers sharing state): tests marked `services`.
test-services: translations
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		$(BIN)/python -m pytest -p tests.services.plugin $(XDIST) --dist loadfile

# Benchmarks (README.md, "Performance"). In process, on a throwaway SQLite file under var/bench/,
# then the portal's floor and the bare floor in processes of their own, in turns:
bench: translations
	$(BIN)/python -m bench.run

# Over HTTP: gunicorn (2 workers) for the portal and another for the bare floor, against
# PostgreSQL and Redis, each a database of its own (emptied first), loaded by wrk (Debian's
# package, installed here when missing); then a burst of parallel sign-ins for the memory.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/axur_portal_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/8
bench-http: translations
	@command -v wrk >/dev/null || { echo "wrk is missing: installing Debian's wrk"; \
		apt-get update -qq && apt-get install -y -qq wrk; }
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) \
		$(BIN)/python -m bench.over_http

.PHONY: bench bench-http

# Browser journeys and accessibility: Playwright drives Debian's Chromium (CHROMIUM, never
# `playwright install`) against the live server of the test run; axe-core checks every page at
# desktop and phone widths. Screenshots go to var/screenshots (printed at the end).
CHROMIUM ?= /usr/bin/chromium
BROWSER_STAMP := $(VENV)/.installed-browser

$(BROWSER_STAMP): $(STAMP) $(BROWSER_LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(BROWSER_LOCK)
	@touch $(BROWSER_STAMP)

test-browser: translations $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing: apt-get install chromium zbar-tools" >&2; exit 1; }
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser tests/browser $(XDIST)

# The README's screenshots (docs/screenshots/, names stable): the journeys that take them run
# again (the files that hold them, whole) into a folder of their own, and the chosen captures,
# desktop and phone, are copied over.
README_SCREENSHOTS := wizard-3-scan code-page manage-access my-team activity-log
SCREENSHOT_RUN := var/screenshots-readme
screenshots: translations $(BROWSER_STAMP)
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is missing: apt-get install chromium zbar-tools" >&2; exit 1; }
	rm -rf $(SCREENSHOT_RUN)
	BROWSER_SCREENSHOTS=$(abspath $(SCREENSHOT_RUN)) CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest \
		-m browser -p no:cacheprovider -q -k "not long-name and not laptop" $(XDIST) \
		tests/browser/test_setup_wizard.py tests/browser/test_sign_in.py \
		tests/browser/test_manage_access.py tests/browser/test_my_team.py tests/browser/test_widths.py
	mkdir -p docs/screenshots
	rm -f docs/screenshots/*.png
	for name in $(README_SCREENSHOTS); do for width in desktop phone; do \
		cp $(SCREENSHOT_RUN)/$$name-$$width.png docs/screenshots/ || exit 1; done; done
	@echo "docs/screenshots/ now holds: $$(ls docs/screenshots | tr '\n' ' ')"

.PHONY: screenshots

# Production: gunicorn with production settings; the environment must hold the variables listed in
# README.md ("Running in production"). Run `manage.py migrate` once per release, from one host.
serve: translations
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_ENV=production exec $(BIN)/gunicorn --config axur_portal/gunicorn.conf.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Two commands do all set-up on a fresh Debian machine:
#   make run    virtualenv, install, migrate, load every seed fixture (into an empty database) and the demo
#               users, serve on 127.0.0.1:$(PORT) (make run PORT=8001)
#   make test   install PostgreSQL/Redis/Chromium when missing (as root), start throwaway ones, run pytest
# Production shape: docker compose up (see docker-compose.yml; the commands there match these).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
GOVUK_STATIC := static/govuk
SERVICES := scripts/test-services.sh
PYTEST_ARGS ?=
# make run's port: make run PORT=8001
PORT ?= 8000
# Test processes (pytest-xdist): one per core; each gets its own test database and Chromium.
TEST_WORKERS ?= auto

.PHONY: run test lint install static migrate seed bench bench-national check clean services-start services-stop

run: install static migrate seed
	@echo
	@echo "Serving on http://127.0.0.1:$(PORT) - sign in with the demo user printed above (Ctrl-C stops)."
	@echo "The seed plans as their papers meant them: http://127.0.0.1:$(PORT)/?as_at=2018-07-19 (the HWB meeting of 19 July 2018)."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,lint]"
	touch $@

# GOV.UK Frontend's CSS is built from its Sass with the documented font override (Arial, not GDS
# Transport: this service is not on GOV.UK) by static/scss/govuk-frontend.scss; its JS and images
# are copied. All under static/govuk/, so nothing is fetched at run time. The Dockerfile runs the
# same script (scripts/build-static.sh says what it does).
static: $(GOVUK_STATIC)/.installed

$(GOVUK_STATIC)/.installed: package.json package-lock.json static/scss/govuk-frontend.scss scripts/build-static.sh
	npm ci --no-audit --no-fund --loglevel=error
	scripts/build-static.sh node_modules static/scss/govuk-frontend.scss $(GOVUK_STATIC)
	touch $@

migrate: install
	$(PY) manage.py migrate --noinput

# Seeds only an empty database, so a second `make run` keeps what was changed in the browser
# (`manage.py seed_demo --reload` loads the seeds again).
seed: install
	$(PY) manage.py seed_demo
	# Flag what is overdue today and keep today's summaries, as the daily jobs do in production.
	$(PY) manage.py flag_overdue
	$(PY) manage.py keep_summaries

# Throwaway PostgreSQL and Redis live only for this run; the trap stops them however pytest ends.
test: install static
	$(SERVICES) packages
	$(SERVICES) stop
	trap '$(SERVICES) stop' EXIT; \
	$(SERVICES) start && eval "$$($(SERVICES) env)" && \
	$(PY) manage.py check && \
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Lint, format, types and dead code (ruff, mypy, vulture: configured in pyproject.toml); CI runs
# this before the tests.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/vulture

# bench/load.py drives gunicorn with wrk: Debian's, installed here when missing (as root), not by make test.
# bench/national.py (a million actions, about half an hour) runs only with make bench-national.
bench: install static
	command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
	$(SERVICES) stop
	trap '$(SERVICES) stop' EXIT; \
	$(SERVICES) start && eval "$$($(SERVICES) env)" && \
	for script in bench/*.py; do \
		case $$script in bench/floors.py|bench/national.py) continue;; esac; \
		$(PY) $$script || exit 1; \
	done

bench-national: install
	$(SERVICES) stop
	trap '$(SERVICES) stop' EXIT; \
	$(SERVICES) start && eval "$$($(SERVICES) env)" && $(PY) bench/national.py

clean:
	rm -rf $(VENV) node_modules $(GOVUK_STATIC) staticfiles *.egg-info .pytest_cache

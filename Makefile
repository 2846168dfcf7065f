# The two commands of the README: `make run` and `make test`. Everything they need is
# installed on first use; later runs only check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# Sizes of the generated data sets `make bench` times the dashboard on (manage.py generate_scale).
BENCH_COUNTY_ORGS ?= 1000
BENCH_COUNTY_MEMBERS ?= 30000
BENCH_COUNTY_VOTES ?= 300000
BENCH_PROVINCE_ORGS ?= 100000
BENCH_PROVINCE_MEMBERS ?= 3000000
BENCH_PROVINCE_VOTES ?= 30000000

.PHONY: run test test-sqlite install system lint bench clean backup restore

$(STAMP): requirements.txt requirements-dev.txt
	@scripts/system-packages.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	@scripts/system-packages.sh
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@$(BIN)/python manage.py collectstatic --noinput -v 0
	@scripts/serve.sh $(HOST) $(PORT)

test: install
	@scripts/system-packages.sh --browser
	@$(BIN)/lint-imports --no-cache
	@eval "$$(scripts/services.sh)" && $(BIN)/python -m pytest $(PYTEST_ARGS)

# The suite as on a machine without PostgreSQL or Redis: SQLite, tasks in-process. The
# tests that need either service are deselected here (CI runs them in `make test`, where
# they must pass and never skip). .ci/run runs both.
test-sqlite: install
	@scripts/system-packages.sh --browser
	@env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m "not postgres and not redis" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache

# The database (as DATABASE_URL says, or the SQLite file) and the media folder, into
# backups/<time>/ (BACKUP_DIR to change it). `make restore BACKUP=backups/<time>` puts one
# back; stop the web and worker processes first. See campaign/infra/backups.py.
BACKUP_DIR ?= backups
backup: install
	@scripts/system-packages.sh --backup
	@$(BIN)/python manage.py backup $(BACKUP_DIR)

restore: install
	@test -n "$(BACKUP)" || { echo "用法: make restore BACKUP=backups/<备份文件夹>"; exit 2; }
	@scripts/system-packages.sh --backup
	@$(BIN)/python manage.py restore $(BACKUP)

# Speed and memory figures against the bare database (PostgreSQL, Redis): scripts/bench.sh.
# Each figure is printed and added to bench/results.json; the run ends with a summary.
bench: install
	@PYTHON=$(BIN)/python BENCH_COUNTY_ORGS=$(BENCH_COUNTY_ORGS) BENCH_COUNTY_MEMBERS=$(BENCH_COUNTY_MEMBERS) \
	  BENCH_COUNTY_VOTES=$(BENCH_COUNTY_VOTES) BENCH_PROVINCE_ORGS=$(BENCH_PROVINCE_ORGS) \
	  BENCH_PROVINCE_MEMBERS=$(BENCH_PROVINCE_MEMBERS) BENCH_PROVINCE_VOTES=$(BENCH_PROVINCE_VOTES) scripts/bench.sh

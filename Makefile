# The two commands of the README: `make run` and `make test`. Everything they need is
# installed on first use; later runs only check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system lint bench clean

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
	@eval "$$(scripts/services.sh)" && $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache

# Speed figures (PostgreSQL): builds its data in a database of its own.
bench: install
	@$(BIN)/python manage.py bench_circulars
	@psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='campaign_bench'" | grep -q 1 \
	  || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE campaign_bench" >/dev/null
	@DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/python manage.py migrate -v 0
	@DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/python manage.py bench_tree
	@DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/python manage.py bench_import
	@DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/python manage.py bench_tally
	@# Evaluation forms through HTTP: gunicorn as `make run` starts it, on loopback, stopped afterwards.
	@$(BIN)/python manage.py collectstatic --noinput -v 0
	@DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/gunicorn campaign.wsgi \
	    --bind 127.0.0.1:8765 --workers 2 --threads 4 --log-level warning & server=$$!; \
	  trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null' EXIT; \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench $(BIN)/python manage.py bench_ballots http://127.0.0.1:8765

#!/usr/bin/env bash
# `make bench`: every speed and memory figure of the app against the same work done by
# the bare database (or WeasyPrint alone, or an idle worker), on the local PostgreSQL and
# Redis. One line per figure; all of them also go to bench/results.json under one run,
# and the run ends with a summary against the run before it.
# Sizes: BENCH_COUNTY_* and BENCH_PROVINCE_* (ORGS, MEMBERS, VOTES), from the Makefile.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
bin=$(dirname "$python")
export BENCH_RUN=${BENCH_RUN:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
# A Redis database of the bench's own, so no other worker on this machine takes its tasks.
export REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}
# The issued circulars' PDFs of the bench are scratch files.
export MEDIA_ROOT=${BENCH_MEDIA_ROOT:-${TMPDIR:-/tmp}/campaign-bench-media}

database() {  # made on first use, kept for the next run
  psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE $1" >/dev/null
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/$1 "$python" manage.py migrate -v 0
}

"$python" manage.py collectstatic --noinput -v 0

echo "== circulars as PDF: the app against WeasyPrint alone"
DATABASE_URL= REDIS_URL= "$python" manage.py bench_circulars

database campaign_bench
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench
echo "== organization tree, province size"
"$python" manage.py bench_tree
echo "== Excel import"
"$python" manage.py bench_import
echo "== tally, in process and in a Celery worker"
"$python" manage.py bench_tally --votes 1000000 10000000 --worker

echo "== evaluation forms through HTTP: gunicorn (2 workers) and a Celery worker, as make run starts them"
"$bin/gunicorn" -c campaign/gunicorn.conf.py --bind 127.0.0.1:8765 &
server=$!
PYTHONWARNINGS=ignore "$python" -m celery --quiet -A campaign worker --queues celery,documents --concurrency 1 \
  --hostname "bench-forms-$$@%h" --loglevel warning --without-gossip --without-mingle >/dev/null &
worker=$!
trap 'kill $server $worker 2>/dev/null; wait $server $worker 2>/dev/null || true' EXIT
"$python" manage.py bench_ballots http://127.0.0.1:8765
kill $server $worker
wait $server $worker 2>/dev/null || true
trap - EXIT

# The dashboard, subtree and coverage on a county and a province, each in a database of
# its own, generated on first use (a province takes about twenty minutes) and reused
# while the sizes stay the same; then a circular of each rendered by a worker.
for size in county province; do
  upper=${size^^}
  orgs_var=BENCH_${upper}_ORGS members_var=BENCH_${upper}_MEMBERS votes_var=BENCH_${upper}_VOTES
  database "campaign_bench_$size"
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench_$size
  echo "== $size: ${!orgs_var} organizations, ${!members_var} members, ${!votes_var} votes"
  "$python" manage.py generate_scale --orgs "${!orgs_var}" --members "${!members_var}" --votes "${!votes_var}" --reset
  "$python" manage.py bench_dashboard --label "$size"
  "$python" manage.py bench_circulars --in-worker
done

unset DATABASE_URL
"$python" manage.py bench_summary

#!/usr/bin/env bash
# Prints the environment for the test run: PostgreSQL and Redis on this machine when
# they answer, SQLite and in-process tasks when they don't. Under CI both are required.
set -euo pipefail
answers() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

if answers 5432; then
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign"
  echo "echo '测试数据库: PostgreSQL 127.0.0.1:5432' >&2"
elif [ -n "${CI:-}" ]; then
  echo "CI: PostgreSQL at 127.0.0.1:5432 does not answer" >&2; exit 1
else
  echo "unset DATABASE_URL"
  echo "echo '测试数据库: SQLite（未发现 PostgreSQL）' >&2"
fi

if answers 6379; then
  echo "export REDIS_URL=redis://127.0.0.1:6379/15"
  echo "echo '任务队列: Redis 127.0.0.1:6379（含真实 Celery worker 测试）' >&2"
elif [ -n "${CI:-}" ]; then
  echo "CI: Redis at 127.0.0.1:6379 does not answer" >&2; exit 1
else
  echo "unset REDIS_URL"
  echo "echo '任务队列: 进程内执行（未发现 Redis）' >&2"
fi

#!/usr/bin/env bash
# Serves the app for `make run`: with REDIS_URL a Celery worker and beat beside the web
# server, without it tasks run inside the web process.
set -euo pipefail
host=$1 port=$2
bin=.venv/bin
if [ -n "${REDIS_URL:-}" ]; then
  $bin/celery -A campaign worker --beat -Q celery,documents --loglevel=warning --concurrency=2 &
  worker=$!
  trap 'kill $worker 2>/dev/null' EXIT
  echo "Celery worker 已启动（Redis: $REDIS_URL）"
else
  echo "未设置 REDIS_URL：后台任务在网站进程内执行。"
fi
echo "打开 http://$host:$port/ 登录（按 Ctrl+C 停止）"
# Sizes, logs (none per request) and timeouts are in campaign/gunicorn.conf.py.
$bin/gunicorn -c campaign/gunicorn.conf.py --bind "$host:$port"

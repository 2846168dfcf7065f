"""gunicorn as the app is served (`make run` and the README's production command):
``gunicorn -c campaign/gunicorn.conf.py --bind HOST:PORT``. Sized for evaluation day:
every request waiting for a thread is held in the listen backlog and answered, never
dropped, and a form post that waits on a busy database is given time.

No access log: it would write /p/<code>/ with a time, which with the order codes are
used in is what ties a form to its code (README, "Secret ballots"). Nothing at INFO."""

import os

wsgi_app = "campaign.wsgi"
workers = int(os.environ.get("WEB_WORKERS", "2"))
# Threads: a request mostly waits on PostgreSQL, so a worker serves several at once.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# Connections waiting for a thread; the kernel caps it at net.core.somaxconn (4096 on
# recent kernels). 200 phones posting at the same instant fit many times over.
backlog = 2048
# A worker busy this long is restarted; casts wait on row locks under load, never this long.
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = "warning"

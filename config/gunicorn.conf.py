"""gunicorn settings for `make run`: a fixed pool of workers and threads, so database connections are bounded.

Django keeps one persistent connection per thread (CONN_MAX_AGE). A worker here has a fixed set of threads, so at
most WEB_WORKERS × WEB_THREADS connections stay open; long jobs run in `manage.py worker` processes (two connections
each: the task loop and the heartbeat), not here. PostgreSQL's default max_connections is 100.

Environment: PORT (8000), WEB_BIND (127.0.0.1:$PORT), WEB_WORKERS (2 × cores + 1, at most 8), WEB_THREADS (1: sync
workers; more: gthread), WEB_TIMEOUT (120 s for one request), WEB_GRACEFUL_TIMEOUT (30 s to finish requests on stop).
"""

import os

_cores = os.cpu_count() or 1

bind = os.environ.get("WEB_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = max(1, int(os.environ.get("WEB_WORKERS") or min(2 * _cores + 1, 8)))
threads = max(1, int(os.environ.get("WEB_THREADS") or 1))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT") or 120)
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT") or 30)
wsgi_app = "config.wsgi:application"
# Workers are not recycled by request count (long jobs run in `manage.py worker`, so recycling would be safe).
max_requests = 0
umask = 0o077

# Access log on standard output without query strings or referrers: searches carry names, phone and ID numbers.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
# No control socket: it defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which a second server on the
# same account (a test, another port) would take over.
control_socket_disable = True


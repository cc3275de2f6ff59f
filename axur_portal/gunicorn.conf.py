"""gunicorn's configuration for the portal: `make serve`, or
`gunicorn --config axur_portal/gunicorn.conf.py`.

Everything can be set from the environment: PORT or GUNICORN_BIND, WEB_CONCURRENCY (workers),
GUNICORN_THREADS, GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS. Options on gunicorn's command line (or
GUNICORN_CMD_ARGS) win over this file.
"""

import os

wsgi_app = "axur_portal.wsgi:application"

bind = [os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"]

# Sync workers: each takes one request at a time. Password hashing (Argon2) is CPU-bound, so
# about two workers per core is a good start; more hosts behind the load balancer scale further.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
keepalive = 5
# Workers are replaced now and then, which bounds the harm of a slow leak.
max_requests = 2000
max_requests_jitter = 200

# gunicorn's runtime control socket is not used (and would be shared by instances on one host).
control_socket_disable = True

# The addresses of the proxies trusted to say the request came over HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to standard output and error, one line per request, with the request id that the portal
# puts on every response (and on its own log lines) and the worker's pid.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s pid=%(p)s "%(a)s"'
)

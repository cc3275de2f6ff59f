"""The bare floor's settings: the portal's models and database, served by Django's own machinery
alone.

Only Django's session, CSRF and authentication middleware and django-otp's, Django's
``ModelBackend`` and the context processors of ``startproject``: what any Django project with
django-otp pays per signed-in request. The same tiny template as the portal's signed-in floor,
for the same person, so the difference between the two is what the portal's own middleware, its
loading of the person (team, security stamp) and its locale handling add.
"""

from bench.settings import *  # noqa: F403
from bench.settings import TEMPLATES

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
]
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

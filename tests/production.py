"""Running the portal under its production profile in a child process (settings are read once
per process, from the environment)."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def production_environment(**overrides: str) -> dict[str, str]:
    """A complete production environment (no service is contacted just by loading it);
    ``overrides`` replace entries, and an override of None removes the variable."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "SIGN_IN_"))
    }
    environment.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.com",
        TWOFACTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/axur_portal",
        REDIS_URL="redis://127.0.0.1:6379/9",
        EMAIL_HOST="smtp.example.com",
        DEFAULT_FROM_EMAIL="Axur One <no-reply@example.com>",
    )
    for key, value in overrides.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return environment


def manage(*arguments: str, environment: dict[str, str], timeout: float = 60):
    return subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""`manage.py check --deploy` passes with the README's Deploy settings, and the headers hold there."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_the_deploy_sections_settings(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "DJANGO_", "DEBUG"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="a-deployment-secret-" + "k" * 40,
        ALLOWED_HOSTS="console.example.com",
        CSRF_TRUSTED_ORIGINS="https://console.example.com",
        SITE_URL="https://console.example.com",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/console"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
        STATIC_MANIFEST="true",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        MFA_SEALING_KEYS="a-new-sealing-key-" + "n" * 30 + ",an-old-one-" + "o" * 30,
        VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

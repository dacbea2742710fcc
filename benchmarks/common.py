"""What the in-process benchmarks share: a Django of their own, and their README section."""

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def django_in_process(database: str, **env: str) -> None:
    """Set up the console in this process on its own PostgreSQL database (made if missing;
    BENCH_DATABASE_URL overrides it), production-like: no debug, no TLS redirects."""
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": "benchmark-only",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "VAR_DIR": str(Path(tempfile.gettempdir()) / f"{database}-var"),
            **env,
        }
    )
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def write_section(name: str, report: str) -> None:
    """Put `report` between the `<!-- name:begin -->` and `<!-- name:end -->` markers of
    benchmarks/README.md (at its end the first time)."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{report.strip()}\n{end}"
    readme = HERE / "README.md"
    text = readme.read_text()
    if begin in text:
        start, stop = text.index(begin), text.index(end) + len(end)
        text = text[:start] + block + text[stop:]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    readme.write_text(text)

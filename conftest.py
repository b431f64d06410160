"""Repository-wide pytest hooks. Nothing domain-specific lives here."""

from __future__ import annotations


def pytest_report_header(config):
    """Show which database the run uses, so SQLite and PostgreSQL runs tell apart."""
    try:
        from django.conf import settings

        db = settings.DATABASES["default"]
    except Exception as error:  # the header must never break a run
        return f"database: unknown ({error.__class__.__name__}: {error})"
    engine = db.get("ENGINE", "?").rsplit(".", 1)[-1]
    if engine == "sqlite3":
        where = str(db.get("NAME", ""))
    else:
        where = f"{db.get('USER') or ''}@{db.get('HOST') or 'localhost'}:{db.get('PORT') or ''}"
        where += f"/{db.get('NAME', '')}"
    return f"database: {engine} ({where})"

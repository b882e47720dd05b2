"""Schema migrations (Alembic), run programmatically by ``signer init`` and ``signer serve``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from signer.core import audit
from signer.core.db import Database

SCRIPTS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to head. On PostgreSQL an advisory lock keeps concurrent starters in line."""
    cfg = alembic_config(db.url)
    with db.write_engine.connect() as conn:
        if not db.is_sqlite:
            conn.exec_driver_sql("SELECT pg_advisory_lock(74201)")
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
            with db.write() as s:  # the audit head exists and is sealed with the audit key
                audit.ensure_head(s)
        finally:
            if not db.is_sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_unlock(74201)")
                conn.commit()

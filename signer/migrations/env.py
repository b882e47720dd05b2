"""Alembic environment: the URL comes from the caller (signer.migrate) or from DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from signer.core.config import Config
from signer.model_registry import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or Config().sqlalchemy_url


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = config.attributes.get("connection") or create_engine(url)
    if hasattr(connectable, "connect") and not hasattr(connectable, "dialect_options"):
        with connectable.connect() as connection:
            _migrate(connection)
    else:
        _migrate(connectable)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()

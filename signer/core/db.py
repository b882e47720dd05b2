"""Engines and units of work.

SQLite (embedded default) runs in WAL mode with a busy timeout; write transactions start with
``BEGIN IMMEDIATE`` so two writers never deadlock on a lock upgrade. PostgreSQL runs READ COMMITTED,
where compare-and-set updates (``UPDATE … WHERE status = :expected``) still let exactly one actor win.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker


def _private_sqlite_file(url: str) -> None:
    """The database holds password hashes and sealed secrets: create it (and tighten it) owner-only.

    SQLite gives its ``-wal`` and ``-shm`` files the main file's permissions, so they follow.
    """
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    with contextlib.suppress(FileNotFoundError):  # no folder: SQLite reports it on first use
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm"):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(name, 0o600)


def _sqlite_engine(url: str, begin_sql: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)

    return engine


class Database:
    """Owns the engines; ``write()`` and ``read()`` are the only ways services touch the database."""

    def __init__(self, url: str, audit_key: bytes | None = None) -> None:
        self.url = url
        self.audit_key = audit_key
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            _private_sqlite_file(url)
            self.write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
            self.read_engine = _sqlite_engine(url, "BEGIN")
        else:
            self.write_engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                                              hide_parameters=True)  # no bound values in errors or logs
            self.read_engine = self.write_engine
        # The audit chain's HMAC key (held outside the database) rides on every session: signer/core/audit.py.
        info = {"audit_key": audit_key}
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False, info=info)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False, info=info)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One atomic unit of work: commits on success, rolls back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()


_INSERT_IGNORE: dict[tuple[str, Any, tuple[str, ...]], Any] = {}


def insert_ignore(session: Session, model: Any, values: dict[str, Any], key: list[str]) -> None:
    """``INSERT … ON CONFLICT (key) DO NOTHING`` on either backend: safe when two transactions race.

    One statement per backend, table and key, built once; the values travel as parameters (blob rows are
    recorded several times per signing session)."""
    dialect = session.get_bind().dialect.name
    statement = _INSERT_IGNORE.get((dialect, model, tuple(key)))
    if statement is None:
        table = model.__table__  # Core, not the ORM's bulk-insert path
        build = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = build(table).on_conflict_do_nothing(index_elements=key)
        _INSERT_IGNORE[(dialect, model, tuple(key))] = statement
    session.execute(statement, values)


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE/DELETE matched (SQLAlchemy types ``Session.execute`` as a plain ``Result``)."""
    return cast(CursorResult[Any], result).rowcount


_Row = TypeVar("_Row")


def must_get(s: Session, model: type[_Row], key: Any) -> _Row:
    """A row the caller knows exists (just written, or named by a foreign key); ``LookupError`` if not."""
    row = s.get(model, key)
    if row is None:
        raise LookupError(f"{model.__name__} {key!r} does not exist")
    return row

"""The one compare-and-set every state machine uses.

A move is ``UPDATE … SET status = :new WHERE id = :id AND status = :expected``: zero rows means someone
else moved first, and the caller's transaction (with its audit event) rolls back. A move the table does not
allow is refused before touching the database. Both are ``Conflict`` (HTTP 409): ``illegal_transition``
and ``state_changed``. Each state machine's table lives beside its enum (``<package>/enums.py``) and its
move function in ``<package>/transitions.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar, cast

from sqlalchemy import Table as SqlTable
from sqlalchemy import inspect, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from signer.core.db import rowcount
from signer.core.errors import Conflict, ErrorCode

E = TypeVar("E", bound=StrEnum)


Table = Mapping[E, frozenset[E]]


def swap(session: Session, column: InstrumentedAttribute[Any], row_id: Any, expected: Any, new: Any,
         **values: Any) -> bool:
    """``UPDATE … SET column = new WHERE id = row_id AND column = expected``; True when the row moved."""
    # A Core statement on the mapped table (the ORM's bulk-update path costs more than the UPDATE itself);
    # values are named by attribute, as callers write them, and mapped to their columns here.
    mapper = inspect(column.class_)
    table = cast(SqlTable, mapper.local_table)
    columns = mapper.columns
    result = session.execute(
        update(table).where(columns["id"] == row_id, columns[column.key] == expected)
        .values({columns[key]: value for key, value in {column.key: new, **values}.items()})
    )
    return rowcount(result) == 1


def compare_and_set(session: Session, table: Table[E], column: InstrumentedAttribute[Any], row_id: Any,
                    expected: E, new: E, *, illegal: str, lost: str, details: dict[str, Any] | None = None,
                    **values: Any) -> None:
    """Move ``column`` of row ``row_id`` from ``expected`` to ``new`` along ``table``, writing ``values`` too.

    Conflict ``illegal_transition`` (message ``illegal``) when the table forbids the move, ``state_changed``
    (message ``lost``) when the row is no longer ``expected``; either way nothing changed.
    """
    if new not in table[expected]:
        raise Conflict(illegal, code=ErrorCode.ILLEGAL_TRANSITION, details=details)
    if not swap(session, column, row_id, expected, new, **values):
        raise Conflict(lost, code=ErrorCode.STATE_CHANGED)

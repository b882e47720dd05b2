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
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session

from signer.core.db import rowcount
from signer.core.errors import Conflict, ErrorCode

E = TypeVar("E", bound=StrEnum)


Table = Mapping[E, frozenset[E]]


def swap(session: Session, column: InstrumentedAttribute[Any], row_id: Any, expected: Any, new: Any,
         **values: Any) -> bool:
    """``UPDATE … SET column = new WHERE id = row_id AND column = expected``; True when the row moved."""
    model = column.class_
    result = session.execute(
        update(model).where(model.id == row_id, column == expected)
        .values({column.key: new, **values})
        .execution_options(synchronize_session=False)
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

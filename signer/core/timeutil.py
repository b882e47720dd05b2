"""Calendar arithmetic and Beijing time, shared by every rule that needs them.

Stored times are UTC; what a person reads (pages, documents, order and invoice numbers) is 北京时间.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")  # China has had no daylight saving time since 1991


def add_years(moment: datetime, years: int) -> datetime:
    """The same day ``years`` later; 29 February becomes 28 February in a year without one."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def beijing(moment: datetime) -> datetime:
    """``moment`` in Beijing time; a naive value is taken as UTC (SQLite hands those back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING)


def beijing_text(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """The one text form of a time on a page: ``2026-11-30 01:30:00`` (北京时间), ``-`` for none."""
    return "-" if moment is None else beijing(moment).strftime(fmt)

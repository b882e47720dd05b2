"""Calendar arithmetic shared by every rule that needs it."""

from __future__ import annotations

from datetime import datetime


def add_years(moment: datetime, years: int) -> datetime:
    """The same day ``years`` later; 29 February becomes 28 February in a year without one."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)

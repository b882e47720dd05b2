"""Imports every module that defines models, so ``Base.metadata`` is complete (Alembic, tests)."""

from . import models  # noqa: F401
from .models import Base

__all__ = ["Base"]

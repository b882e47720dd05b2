"""Imports every module that defines models, so ``Base.metadata`` is complete (Alembic, tests)."""

from . import (  # noqa: F401
    models,
    models_business,
    models_drafts,
    models_lifecycle,
    models_seals,
    models_sessions,
)
from .models import Base

__all__ = ["Base"]

"""Kept for the Alembic version files, which refer to ``signer.models.UTCDateTime`` and must not change.

Models live in each domain package's ``models.py``; signer/model_registry.py imports them all.
"""

from signer.core.models import UTCDateTime

__all__ = ["UTCDateTime"]

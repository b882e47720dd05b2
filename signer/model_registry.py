"""Imports every module that defines models, so ``Base.metadata`` is complete (Alembic, tests)."""

from signer.accounts import models as accounts_models  # noqa: F401
from signer.applications import models as applications_models  # noqa: F401
from signer.billing import models as billing_models  # noqa: F401
from signer.business import models as business_models  # noqa: F401
from signer.ca import models as ca_models  # noqa: F401
from signer.certificates import models as certificates_models  # noqa: F401
from signer.core.models import Base
from signer.seals import models as seals_models  # noqa: F401
from signer.signing import models as signing_models  # noqa: F401
from signer.sms import models as sms_models  # noqa: F401

__all__ = ["Base"]

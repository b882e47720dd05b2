"""What a test needs from the machine: a tool on PATH or a running service.

A missing need is a skip with its reason on a developer's machine, and a failure in CI
(``SIGNER_REQUIRE_SERVICES=1``), so an independent check never vanishes from a run unnoticed.
"""

from __future__ import annotations

import os
import shutil
import socket
from typing import NoReturn

import pytest

REQUIRE_SERVICES = os.environ.get("SIGNER_REQUIRE_SERVICES") == "1"
INSTALL_HINT = "make test installs it when run as root"

# The Debian package that brings each command the tests call.
PACKAGE_OF = {
    "pdfsig": "poppler-utils",
    "pdftotext": "poppler-utils",
    "certutil": "libnss3-tools",
    "qpdf": "qpdf",
    "openssl": "openssl",
    "pg_dump": "postgresql-client",
    "pg_restore": "postgresql-client",
    "chromium": "chromium",
    "softhsm2-util": "softhsm2",
}


def missing(what: str) -> NoReturn:
    """Skip with a reason, or fail where CI requires everything to be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI (SIGNER_REQUIRE_SERVICES=1)")
    pytest.skip(f"{what} not available")


def tool(name: str) -> str:
    """The path of a command the test calls."""
    path = shutil.which(name)
    if path is None:
        package = PACKAGE_OF.get(os.path.basename(name), name)
        missing(f"{name} (Debian package {package}; {INSTALL_HINT})")
    return path


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False

"""Live servers on loopback: ``signer init`` + ``signer serve`` in subprocesses, real sockets."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signer.demo import DEMO_PASSWORD, LiveServer, PcClient


@pytest.fixture
def pc(live_server: LiveServer) -> Iterator[PcClient]:
    client = PcClient(live_server.url)
    client.login("admin", DEMO_PASSWORD)
    yield client
    client.close()


def nss_trusting(root_pem: Path, workdir: Path) -> Path:
    """An NSS database (for poppler's pdfsig) that trusts only the platform root."""
    if not shutil.which("certutil") or not shutil.which("pdfsig"):
        pytest.skip("poppler-utils / libnss3-tools not installed (.ci/run installs them)")
    nss = workdir / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "platform-root", "-t", "CT,C,C", "-i",
                    str(root_pem)], check=True)
    return nss


def pdfsig_report(pdf: Path, nss: Path, ocsp: bool) -> str:
    args = ["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)]
    if not ocsp:
        args.insert(1, "-no-ocsp")
    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout

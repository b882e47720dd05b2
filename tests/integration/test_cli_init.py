"""`signer init` on a fresh instance says what it is doing, and a second run says where the password is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _init(instance: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SIGNER_DEMO_PASSWORD"}
    env["SIGNER_INSTANCE"] = str(instance)
    done = subprocess.run([sys.executable, "-m", "signer.cli", "init"], env=env, capture_output=True, text=True,
                          check=True, timeout=300)
    return done.stdout


def test_init_announces_each_step_and_a_second_run_points_at_the_demo_password(tmp_path):
    instance = tmp_path / "instance"
    first = _init(instance)
    for step in ("… database schema", "… certificate authority", "… demo enterprise and accounts"):
        assert step in first
    assert "CA: created" in first
    password = (instance / "demo-password.key").read_text().strip()
    assert f"password: {password}" in first
    assert oct((instance / "demo-password.key").stat().st_mode & 0o777) == "0o600"

    second = _init(instance)
    assert "CA: already present" in second
    assert password not in second  # shown once; afterwards only where it is kept
    assert f"the password is in {instance / 'demo-password.key'}" in second

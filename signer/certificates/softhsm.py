"""SoftHSM2 standing in for the USB KEY in development and tests: its configuration and the desk's token.

Called once before the PKCS#11 module is loaded (SoftHSM2 reads ``SOFTHSM2_CONF`` when it starts). Without
``SOFTHSM2_CONF`` the configuration and the token files live in the instance folder (``softhsm/``). A token
with the configured label is initialized when there is none yet (``softhsm2-util --init-token``; the PINs go
to that one command, never to a log). A real KEY is initialized by its vendor's tool instead.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from signer.certificates.token_config import TokenConfig
from signer.core.errors import Conflict, ErrorCode


def configure(config: TokenConfig) -> Path:
    """``SOFTHSM2_CONF``: the environment's, else a configuration in the instance folder (created)."""
    given = os.environ.get("SOFTHSM2_CONF")
    if given:
        return Path(given)
    folder = config.instance_path / "softhsm"
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    if not conf.exists():
        conf.write_text(write_conf(tokens))
    os.environ["SOFTHSM2_CONF"] = str(conf)
    return conf


def write_conf(tokens: Path) -> str:
    """A SoftHSM2 configuration keeping its tokens as files in ``tokens``."""
    return f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"


def ensure_token(config: TokenConfig) -> None:
    """Initialize the desk's token (label, SO PIN, user PIN) unless it exists; one process at a time."""
    conf = configure(config)
    util = shutil.which("softhsm2-util")
    if util is None:
        raise Conflict("未安装SoftHSM2（softhsm2），无法制作实体KEY", code=ErrorCode.KEY_TOKEN_UNAVAILABLE)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    lock_path = conf.parent / ".signer-init.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        listed = subprocess.run([util, "--show-slots"], env=env, capture_output=True, text=True,  # noqa: S603
                                check=False)
        if _has_label(listed.stdout, config):
            return
        done = subprocess.run([util, "--init-token", "--free", "--label", config.token_label,  # noqa: S603
                               "--so-pin", config.so_pin, "--pin", config.user_pin],
                              env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise Conflict("实体KEY初始化失败", code=ErrorCode.KEY_TOKEN_UNAVAILABLE)


def _has_label(slots: str, config: TokenConfig) -> bool:
    return any(line.split(":", 1)[1].strip() == config.token_label
               for line in slots.splitlines() if line.strip().startswith("Label:"))

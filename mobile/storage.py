"""The phone's local state: one home directory with `state.json` and one keystore file per certificate.

Layout (default home `~/.signer-app`, or `$SIGNER_APP_HOME`, or any directory given explicitly):

    state.json                  server_url, device_id, device_name, token, username, account
    keystores/<cert_id>.json    the sealed keystore envelope (`keystore.Keystore.to_json()`)

Directories are created with mode 0700 and files are written atomically (temporary file in the same
directory, fsync, rename) with mode 0600. The device id is generated once (`secrets.token_hex(16)`)
and kept for the life of the home directory: the server binds tokens and keystores to it.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import secrets
import tempfile
from pathlib import Path
from typing import Any

from keystore import Keystore, KeystoreError

from .errors import AppError

STATE_FILE = "state.json"
KEYSTORE_DIR = "keystores"
HOME_ENV = "SIGNER_APP_HOME"
DEFAULT_HOME = "~/.signer-app"
FILE_MODE = 0o600
DIR_MODE = 0o700
MAX_DEVICE_NAME = 64


def default_home() -> Path:
    """`$SIGNER_APP_HOME` if set, else `~/.signer-app`."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser()


def default_device_name() -> str:
    node = platform.node() or "unknown"
    return f"signer-app ({node})"[:MAX_DEVICE_NAME]


def write_private(path: Path, data: str | bytes) -> None:
    """Atomically replace `path` with `data`, readable by the owner only (0600)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cert_key(cert_id: Any) -> int:
    if isinstance(cert_id, bool) or not isinstance(cert_id, int | str):
        raise AppError("bad_certificate_id", f"证书编号无效: {cert_id!r}")
    try:
        value = int(cert_id)
    except ValueError:
        raise AppError("bad_certificate_id", f"证书编号无效: {cert_id!r}") from None
    if value <= 0:
        raise AppError("bad_certificate_id", f"证书编号无效: {cert_id!r}")
    return value


class Storage:
    """Local state of one (simulated) phone."""

    def __init__(self, home: Path | str | None = None) -> None:
        self.home = Path(home).expanduser() if home is not None else default_home()

    # -- paths -------------------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.home / STATE_FILE

    @property
    def keystore_dir(self) -> Path:
        return self.home / KEYSTORE_DIR

    def keystore_path(self, cert_id: int | str) -> Path:
        return self.keystore_dir / f"{_cert_key(cert_id)}.json"

    def _ensure_dir(self, directory: Path) -> None:
        directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)

    # -- state.json --------------------------------------------------------------------------------
    def load_state(self) -> dict[str, Any]:
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            state = json.loads(text)
        except ValueError:
            raise AppError("bad_local_state", f"本地状态文件已损坏: {self.state_path}") from None
        if not isinstance(state, dict):
            raise AppError("bad_local_state", f"本地状态文件已损坏: {self.state_path}")
        return state

    def save_state(self, state: dict[str, Any]) -> None:
        self._ensure_dir(self.home)
        write_private(self.state_path, json.dumps(state, indent=2, ensure_ascii=False, sort_keys=True) + "\n")

    def update_state(self, **changes: Any) -> dict[str, Any]:
        """Apply `changes` (a value of None removes the key) and save. Returns the new state."""
        state = self.load_state()
        for key, value in changes.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.save_state(state)
        return state

    @property
    def device_id(self) -> str:
        """This phone's id: generated once, then kept forever."""
        state = self.load_state()
        device_id = state.get("device_id")
        if not isinstance(device_id, str) or not device_id:
            device_id = secrets.token_hex(16)
            state["device_id"] = device_id
            self.save_state(state)
        return device_id

    @property
    def device_name(self) -> str:
        state = self.load_state()
        name = state.get("device_name")
        if not isinstance(name, str) or not name:
            name = default_device_name()
            state["device_name"] = name
            self.save_state(state)
        return name

    # -- keystores ---------------------------------------------------------------------------------
    def save_keystore(self, cert_id: int | str, ks: Keystore) -> Path:
        path = self.keystore_path(cert_id)
        self._ensure_dir(self.keystore_dir)
        write_private(path, ks.to_json())
        return path

    def has_keystore(self, cert_id: int | str) -> bool:
        return self.keystore_path(cert_id).is_file()

    def load_keystore(self, cert_id: int | str) -> Keystore:
        path = self.keystore_path(cert_id)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            message = f"本机没有证书 {_cert_key(cert_id)} 的密钥，请先下载证书"
            raise AppError("no_keystore", message, {"certificate_id": cert_id}) from None
        try:
            return Keystore.from_json(text)
        except KeystoreError as exc:
            raise AppError("bad_keystore", f"本机密钥文件无效: {exc}", {"path": str(path)}) from exc

    def delete_keystore(self, cert_id: int | str) -> bool:
        try:
            self.keystore_path(cert_id).unlink()
        except FileNotFoundError:
            return False
        return True

"""The reference APP client: HTTP calls of `docs/protocol.md` and the Socket.IO conversation on `/app`.

It knows the server only through that document. The private key is generated here, sealed in the
per-device keystore (`keystore` package) and never sent anywhere; the server receives a CSR, the
keystore verifier `V`, unlock answers `R` and ECDSA signature values.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import socketio
import zxingcpp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID
from PIL import Image, UnidentifiedImageError

from keystore import (
    KeystoreError,
    KeystoreLocked,
    WeakPassword,
    check_signing_password,
    enroll,
    generate_private_key,
    load_private_key,
    open_keystore,
    reseal,
    seal,
    unlock_response,
    verifier_from_password,
)

from .errors import AppError
from .storage import Storage

API_PREFIX = "/api/v1"
NAMESPACE = "/app"
USER_AGENT = "signer-app/0.1 (reference APP client)"
DISCONNECT_WAIT = 2.0  # seconds
MAX_ROUNDS = 64  # more seals than any real document has; guards against a looping server

__all__ = [
    "AppClient",
    "AppError",
    "build_csr",
    "check_issued_certificate",
    "decode_qr_image",
]


# --- helpers that stand alone ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise AppError("protocol_error", f"服务器返回的{what}格式不正确", {"field": what})
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise AppError("protocol_error", f"服务器返回的{what}不是有效的base64", {"field": what}) from None


def _field(data: Any, key: str, what: str | None = None) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise AppError("protocol_error", f"服务器的回答缺少字段 {what or key}", {"field": what or key})
    return data[key]


def _spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _same_serial(reported: Any, serial_hex: str) -> bool:
    """Whether a serial reported by the server (hex, any case, colons allowed) matches ours.

    Values that do not parse as hex are not held against the server (the certificate is authoritative).
    """
    if isinstance(reported, int) and not isinstance(reported, bool):
        return format(reported, "x") == serial_hex
    if not isinstance(reported, str) or not reported:
        return True
    try:
        return int(reported.replace(":", "").strip(), 16) == int(serial_hex, 16)
    except ValueError:
        return True


def build_csr(private_key: ec.EllipticCurvePrivateKey, common_name: str) -> bytes:
    """A DER PKCS#10 request for `private_key`, signed with ECDSA-SHA256, subject CN=`common_name`.

    The server ignores the subject (it writes its own); the CSR only proves possession of the key.
    """
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(private_key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.DER)


def _load_pem(pem: Any, what: str) -> x509.Certificate:
    if not isinstance(pem, str):
        raise AppError("bad_certificate", f"服务器返回的{what}不是PEM文本")
    try:
        return x509.load_pem_x509_certificate(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise AppError("bad_certificate", f"服务器返回的{what}不是有效的证书") from None


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def check_issued_certificate(certificate_pem: str, chain_pem: list[str], public_key: Any) -> x509.Certificate:
    """Check a certificate the server issued for our CSR; returns it parsed.

    - its public key must be exactly `public_key` (ours);
    - it must chain through `chain_pem` (issuing CA first, root last): at every link the issuer name
      equals the parent's subject and the signature verifies (`verify_directly_issued_by`);
    - the last certificate of the chain must be self-issued and self-signed (the root).
    Raises AppError(`bad_certificate`) otherwise.
    """
    cert = _load_pem(certificate_pem, "证书")
    if _spki(cert.public_key()) != _spki(public_key):
        raise AppError("bad_certificate", "服务器返回的证书与本机生成的密钥不匹配")
    if not isinstance(chain_pem, list) or not chain_pem:
        raise AppError("bad_certificate", "服务器没有返回证书链")
    chain = [_load_pem(pem, "证书链") for pem in chain_pem]
    links = [cert, *chain]
    for child, parent in itertools.pairwise(links):
        if not _issued_by(child, parent):
            child_name = child.subject.rfc4514_string()
            parent_name = parent.subject.rfc4514_string()
            raise AppError("bad_certificate", f"证书链不连贯: {child_name} 不是由 {parent_name} 签发")
    root = chain[-1]
    if not _issued_by(root, root):
        raise AppError("bad_certificate", "证书链的最后一张证书不是自签名的根证书")
    return cert


_QR_FORMATS = {"QRCode", "MicroQRCode", "RMQRCode", "QRCodeModel1", "QRCodeModel2"}


def decode_qr_image(path: str | Path) -> str:
    """The text of the first QR code in a PNG/JPEG image (a photo or screenshot of the PC page)."""
    try:
        with Image.open(path) as opened:
            opened.load()
            img: Image.Image = opened
            if img.mode not in ("L", "RGB", "RGBA"):
                img = opened.convert("RGB")
            found = zxingcpp.read_barcodes(img)
    except FileNotFoundError:
        raise AppError("no_image", f"找不到图片文件: {path}") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise AppError("bad_image", f"无法读取图片 {path}: {exc}") from None
    for barcode in found:
        fmt = getattr(barcode.format, "name", str(barcode.format)).rsplit(".", 1)[-1]
        if fmt in _QR_FORMATS and barcode.text:
            return barcode.text
    raise AppError("no_qr_code", f"图片中没有找到二维码: {path}")


# --- the client ------------------------------------------------------------------------------------


class AppClient:
    """One phone: its local storage (`home`) and its conversations with the server at `server_url`."""

    def __init__(self, server_url: str, home: Path | str | None = None, timeout: float = 30,
                 transports: list[str] | None = None) -> None:
        self.server_url = server_url.rstrip("/")
        self.storage = Storage(home)
        self.timeout = timeout
        # Socket.IO transports tried in order: websocket first, long-polling if that fails.
        self.transports = transports or ["websocket", "polling"]
        self.http = requests.Session()
        self.http.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._sio: socketio.Client | None = None
        self._scan: dict[str, Any] | None = None
        self._challenge: dict[str, Any] | None = None

    # -- identity ----------------------------------------------------------------------------------
    @property
    def home(self) -> Path:
        return self.storage.home

    @property
    def device_id(self) -> str:
        return self.storage.device_id

    @property
    def token(self) -> str | None:
        """The bearer token, only if it was issued by this client's server (never sent elsewhere)."""
        state = self.storage.load_state()
        token = state.get("token")
        if isinstance(token, str) and token and state.get("server_url") == self.server_url:
            return token
        return None

    @property
    def username(self) -> str | None:
        state = self.storage.load_state()
        return state.get("username") if self.token else None

    def _require_token(self) -> str:
        token = self.token
        if token is None:
            raise AppError("not_logged_in", "尚未登录，请先登录（signer-app login）")
        return token

    # -- HTTP --------------------------------------------------------------------------------------
    def _request(self, method: str, path: str, body: dict[str, Any] | None = None, auth: bool = True) -> Any:
        headers = {}
        if auth:
            headers["Authorization"] = f"Bearer {self._require_token()}"
        url = self.server_url + API_PREFIX + path
        try:
            resp = self.http.request(method, url, json=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise AppError("network_error", f"无法连接服务器 {self.server_url}: {exc}") from None
        try:
            data = resp.json()
        except ValueError:
            data = None
        if resp.status_code >= 400:
            if isinstance(data, dict) and "error" in data:
                raise AppError.from_error_body(data["error"], resp.status_code)
            raise AppError("http_error", f"服务器返回 HTTP {resp.status_code}", {}, resp.status_code)
        if data is None:
            raise AppError("protocol_error", "服务器的回答不是JSON", {}, resp.status_code)
        return data

    def login(self, username: str, password: str) -> dict[str, Any]:
        """POST /app/login with this phone's device id; stores the token. Returns `{token, account}`."""
        storage = self.storage
        answer: dict[str, Any] = self._request(
            "POST",
            "/app/login",
            {
                "username": username,
                "password": password,
                "device_id": storage.device_id,
                "device_name": storage.device_name,
            },
            auth=False,
        )
        token = _field(answer, "token")
        if not isinstance(token, str) or not token:
            raise AppError("protocol_error", "服务器没有返回登录令牌")
        given = answer.get("account")
        account: dict[str, Any] = given if isinstance(given, dict) else {}
        storage.update_state(
            server_url=self.server_url,
            token=token,
            username=account.get("username") or username,
            account=account,
        )
        return answer

    def logout(self) -> None:
        """POST /app/logout (best effort) and forget the token locally in any case."""
        try:
            if self.token is not None:
                self._request("POST", "/app/logout", {})
        except AppError as exc:
            if exc.code == "network_error" or exc.status in (401, 403):
                pass
            else:
                raise
        finally:
            self.close()
            self.storage.update_state(token=None, username=None, account=None)

    def certificates(self) -> list[dict[str, Any]]:
        """H1 我的证书: the account's certificates (`items` of GET /app/certificates)."""
        items = _field(self._request("GET", "/app/certificates"), "items")
        if not isinstance(items, list):
            raise AppError("protocol_error", "证书列表格式不正确")
        return items

    def has_keystore(self, cert_id: int) -> bool:
        return self.storage.has_keystore(cert_id)

    # -- H2: download (enrol) ----------------------------------------------------------------------
    def download_certificate(self, cert_id: int, password: str) -> dict[str, Any]:
        """Generate a key, send CSR + verifier, check the certificate, seal and store the keystore.

        Returns `{certificate_id, serial, subject, not_after}` (serial in lowercase hex).
        """
        _check_new_password(password)
        storage = self.storage
        device_id = storage.device_id
        key_der = generate_private_key()
        key = load_private_key(key_der)
        enrollment = enroll(password)
        share = b""
        try:
            csr = build_csr(key, device_id)
            answer = self._request(
                "POST",
                f"/app/certificates/{int(cert_id)}/download",
                {"csr": _b64(csr), "verifier": _b64(enrollment.verifier)},
            )
            certificate_pem = _field(answer, "certificate_pem")
            chain_pem = _field(answer, "chain_pem")
            share = _unb64(_field(answer, "share"), "share")
            cert = check_issued_certificate(certificate_pem, chain_pem, key.public_key())
            serial_hex = format(cert.serial_number, "x")
            if not _same_serial(answer.get("serial"), serial_hex):
                raise AppError("bad_certificate", "服务器报告的序列号与证书不一致")
            try:
                ks = seal(key_der, enrollment.password_key, share, device_id, serial_hex,
                          certificate_pem, list(chain_pem), enrollment.params)
            except KeystoreError as exc:
                raise AppError("keystore_error", f"无法保存密钥: {exc}") from exc
            storage.save_keystore(cert_id, ks)
            return {
                "certificate_id": int(cert_id),
                "serial": serial_hex,
                "subject": cert.subject.rfc4514_string(),
                "not_after": cert.not_valid_after_utc.isoformat(),
            }
        finally:
            del key_der, key, enrollment, share

    # -- H3: change the signing password -----------------------------------------------------------
    def change_password(self, cert_id: int, old_password: str, new_password: str) -> dict[str, Any]:
        """Unlock with the old password, enrol the new one, re-seal the same key under (P', S').

        The key can only be re-sealed if it can be opened, which needs the OLD share: the server's
        answer must carry it as `old_share` next to the new `share` (see README.md).
        Returns `{certificate_id, serial}`.
        """
        _check_new_password(new_password)
        storage = self.storage
        ks = storage.load_keystore(cert_id)
        device_id = storage.device_id
        if ks.device_id != device_id:
            raise AppError("bad_keystore", "本机密钥文件属于另一台设备")
        challenge = _field(self._request("POST", f"/app/certificates/{int(cert_id)}/password-challenge", {}),
                           "challenge")
        challenge_id = _field(challenge, "id", "challenge.id")
        nonce = _unb64(_field(challenge, "nonce", "challenge.nonce"), "challenge.nonce")
        old_key, old_verifier = verifier_from_password(old_password, ks.kdf)
        new = enroll(new_password)
        old_share = new_share = key_der = b""
        try:
            response = _unlock(old_verifier, nonce)
            answer = self._request(
                "POST",
                f"/app/certificates/{int(cert_id)}/password",
                {
                    "challenge_id": challenge_id,
                    "response": _b64(response),
                    "new_verifier": _b64(new.verifier),
                },
            )
            new_share = _unb64(_field(answer, "share"), "share")
            if "old_share" not in answer:
                raise AppError(
                    "protocol_error",
                    "服务器已更换签名密码，但没有返回旧的密钥分片（old_share），本机无法重新加密密钥",
                    {"missing": "old_share"},
                )
            old_share = _unb64(answer["old_share"], "old_share")
            try:
                key_der = open_keystore(ks, old_key, old_share, device_id)
                new_ks = reseal(ks, key_der, new.password_key, new_share, new.params)
            except KeystoreLocked:
                raise AppError("keystore_locked", "无法用旧密码和服务器分片打开本机密钥") from None
            except KeystoreError as exc:
                raise AppError("keystore_error", f"无法重新加密密钥: {exc}") from exc
            storage.save_keystore(cert_id, new_ks)
            return {"certificate_id": int(cert_id), "serial": new_ks.serial_hex}
        finally:
            del old_key, old_verifier, new, old_share, new_share, key_der

    # -- H2 for a renewed / changed / extended certificate: install it with the key this phone holds --------
    def install_certificate(self, cert_id: int, password: str, predecessor_id: int | None = None) -> dict[str, Any]:
        """Unlock the keystore of the certificate this one replaces, re-seal the same key for the new serial.

        No key leaves the phone and no CSR is made: the server re-certified the public key it certified before,
        and releases the certificate once the signing password answers its challenge (wrong answers count
        towards the same 5-try lockout). The old keystore file is removed once the new one is saved.
        Returns `{certificate_id, serial, subject, not_after, predecessor_id}`.
        """
        storage = self.storage
        device_id = storage.device_id
        if predecessor_id is None:
            item = next((c for c in self.certificates() if c.get("id") == int(cert_id)), None)
            predecessor_id = item.get("predecessor_id") if isinstance(item, dict) else None
        if not isinstance(predecessor_id, int):
            raise AppError("no_predecessor", "该证书不是续签/变更/延长有效期的证书，请使用下载证书")
        ks = storage.load_keystore(predecessor_id)
        if ks.device_id != device_id:
            raise AppError("bad_keystore", "本机密钥文件属于另一台设备")
        challenge = _field(self._request("POST", f"/app/certificates/{int(cert_id)}/install-challenge", {}),
                           "challenge")
        nonce = _unb64(_field(challenge, "nonce", "challenge.nonce"), "challenge.nonce")
        password_key, verifier = verifier_from_password(password, ks.kdf)
        old_share = share = key_der = b""
        try:
            answer = self._request("POST", f"/app/certificates/{int(cert_id)}/install", {
                "challenge_id": _field(challenge, "id", "challenge.id"), "response": _b64(_unlock(verifier, nonce))})
            old_share = _unb64(_field(answer, "old_share"), "old_share")
            share = _unb64(_field(answer, "share"), "share")
            certificate_pem, chain_pem = _field(answer, "certificate_pem"), _field(answer, "chain_pem")
            try:
                key_der = open_keystore(ks, password_key, old_share, device_id)
            except KeystoreLocked:
                raise AppError("keystore_locked", "服务器返回的密钥分片无法打开本机密钥") from None
            cert = check_issued_certificate(certificate_pem, chain_pem, load_private_key(key_der).public_key())
            serial_hex = format(cert.serial_number, "x")
            if not _same_serial(answer.get("serial"), serial_hex):
                raise AppError("bad_certificate", "服务器报告的序列号与证书不一致")
            try:
                new_ks = seal(key_der, password_key, share, device_id, serial_hex, certificate_pem,
                              list(chain_pem), ks.kdf)
            except KeystoreError as exc:
                raise AppError("keystore_error", f"无法保存密钥: {exc}") from exc
            storage.save_keystore(cert_id, new_ks)
            storage.delete_keystore(predecessor_id)
            return {"certificate_id": int(cert_id), "serial": serial_hex, "subject": cert.subject.rfc4514_string(),
                    "not_after": cert.not_valid_after_utc.isoformat(), "predecessor_id": predecessor_id}
        finally:
            del password_key, verifier, old_share, share, key_der

    def obtain_certificate(self, cert_id: int, password: str) -> dict[str, Any]:
        """H2 as the APP's 下载证书 button does it: a new key (`install: download`) or the phone's key
        (`install: same_key`), as the certificate list says."""
        item = next((c for c in self.certificates() if c.get("id") == int(cert_id)), None)
        if not isinstance(item, dict):
            raise AppError("not_found", "证书不存在")
        if item.get("install") == "same_key":
            return self.install_certificate(cert_id, password, item.get("predecessor_id"))
        return self.download_certificate(cert_id, password)

    # -- H1 (administrators: the enterprise's certificates), H4, H6, H7 ----------------------------------
    def enterprise_certificates(self) -> list[dict[str, Any]]:
        """Every mobile certificate of the enterprise (administrators; for 分配印章 and 绑定)."""
        items = _field(self._request("GET", "/app/enterprise-certificates"), "items")
        if not isinstance(items, list):
            raise AppError("protocol_error", "证书列表格式不正确")
        return items

    def seals(self, cert_id: int) -> dict[str, Any]:
        """H4: which seals the certificate's account holds: `{account_id, company, legal_rep, handwritten}`."""
        answer: dict[str, Any] = self._request("GET", f"/app/certificates/{int(cert_id)}/seals")
        return answer

    def assign_seals(self, cert_id: int, **kinds: bool) -> dict[str, Any]:
        """H4 分配印章 (administrators): `company=`, `legal_rep=`, `handwritten=` True gives, False takes back."""
        unknown = set(kinds) - {"company", "legal_rep", "handwritten"}
        if unknown:
            raise AppError("bad_seal_kind", f"未知的印章类型: {', '.join(sorted(unknown))}")
        answer: dict[str, Any] = self._request("PUT", f"/app/certificates/{int(cert_id)}/seals", dict(kinds))
        return answer

    def unbind(self, cert_id: int, confirm: bool) -> dict[str, Any]:
        """H6 解绑 (after the user confirmed twice): the certificate can no longer sign; the local key is erased."""
        if confirm is not True:
            raise AppError("confirmation_required", "解绑需要二次确认")
        answer: dict[str, Any] = self._request("POST", f"/app/certificates/{int(cert_id)}/unbind", {"confirm": True})
        with contextlib.suppress(AppError):
            self.storage.delete_keystore(cert_id)
        return answer

    def operators(self) -> list[dict[str, Any]]:
        """H7 请选择操作员绑定证书: accounts without an active mobile certificate."""
        items = _field(self._request("GET", "/app/operators"), "items")
        if not isinstance(items, list):
            raise AppError("protocol_error", "操作员列表格式不正确")
        return items

    def bind(self, cert_id: int, account_id: int) -> dict[str, Any]:
        """H7 绑定 an unbound certificate to an operator (administrators); that operator's APP downloads it."""
        answer: dict[str, Any] = self._request("POST", f"/app/certificates/{int(cert_id)}/bind",
                                               {"account_id": int(account_id)})
        return answer

    # -- Socket.IO ---------------------------------------------------------------------------------
    def _connect(self) -> socketio.Client:
        token = self._require_token()
        last: Exception | None = None
        for i, transport in enumerate(self.transports):
            refused: list[Any] = []
            sio = socketio.Client(reconnection=False)
            sio.on("connect_error", refused.append, namespace=NAMESPACE)
            try:
                sio.connect(
                    self.server_url,
                    auth={"token": token},
                    namespaces=[NAMESPACE],
                    transports=[transport],
                    wait_timeout=self.timeout,
                )
                return sio
            except socketio.exceptions.ConnectionError as exc:
                last = exc
                namespace_refused = NAMESPACE in sio.failed_namespaces
                _quiet_disconnect(sio)
                if namespace_refused:
                    raise _refusal(refused[-1] if refused else None) from None
                if i + 1 < len(self.transports):
                    continue
        raise AppError("network_error", f"无法建立实时连接 {self.server_url}: {last}")

    def _call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        sio = self._sio
        if sio is None or not sio.connected:
            raise AppError("not_connected", "与服务器的实时连接已断开，请重新扫码")
        try:
            ack = sio.call(event, data, namespace=NAMESPACE, timeout=self.timeout)
        except socketio.exceptions.TimeoutError:
            raise AppError("timeout", f"服务器在{self.timeout:g}秒内没有回应（{event}）") from None
        except socketio.exceptions.SocketIOError as exc:
            raise AppError("network_error", f"实时连接出错: {exc}") from None
        if not isinstance(ack, dict) or not isinstance(ack.get("ok"), bool):
            raise AppError("protocol_error", f"服务器对 {event} 的回答格式不正确", {"ack": ack})
        if not ack["ok"]:
            raise AppError.from_error_body(ack.get("error"))
        result = ack.get("result")
        if not isinstance(result, dict):
            raise AppError("protocol_error", f"服务器对 {event} 的回答缺少 result")
        return result

    def close(self) -> None:
        """Drop the Socket.IO connection and the pending scan."""
        sio, self._sio = self._sio, None
        self._scan = None
        self._challenge = None
        if sio is not None:
            _quiet_disconnect(sio)

    def __enter__(self) -> AppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.http.close()

    @property
    def pending_scan(self) -> dict[str, Any] | None:
        """The result of the last successful `scan`, until approved, rejected or abandoned."""
        return self._scan

    # -- scan, approve, reject ---------------------------------------------------------------------
    def scan(self, payload: str) -> dict[str, Any]:
        """Send the QR text; returns what is about to be signed (see the `scan` result in the protocol)."""
        if not isinstance(payload, str) or not payload.strip():
            raise AppError("bad_qr", "二维码内容为空")
        self.close()
        self._sio = self._connect()
        try:
            result = self._call("scan", {"payload": payload.strip()})
            _field(result, "session_id")
            certificate = _field(result, "certificate")
            _field(certificate, "id", "certificate.id")
            challenge = _field(result, "challenge")
            _field(challenge, "id", "challenge.id")
            _field(challenge, "nonce", "challenge.nonce")
        except BaseException:
            self.close()
            raise
        self._scan = result
        self._challenge = challenge
        return result

    def _pending(self) -> dict[str, Any]:
        if self._scan is None:
            raise AppError("no_scan", "没有待确认的签名，请先扫码")
        return self._scan

    def approve(self, password: str, tamper: Callable[[bytes], bytes] | None = None) -> dict[str, Any]:
        """Unlock with the signing password and sign every round; returns `{status, session_id, rounds}`.

        On `wrong_password` the AppError carries `remaining`; the fresh challenge from the server is
        kept, so `approve` may be called again on the same scan. Any other refusal ends the conversation.

        `tamper` is a test hook only: it receives each DER signature value and returns the bytes that
        are sent instead (to check that the server refuses a bad signature). The APP has no such thing.
        """
        scan = self._pending()
        session_id = scan["session_id"]
        cert_id = scan["certificate"]["id"]
        ks = self.storage.load_keystore(cert_id)
        device_id = self.storage.device_id
        if ks.device_id != device_id:
            raise AppError("bad_keystore", "本机密钥文件属于另一台设备")
        if not _same_serial(scan["certificate"].get("serial"), ks.serial_hex):
            raise AppError("keystore_mismatch", "本机密钥与服务器要求的证书不一致，请重新下载证书")
        challenge = self._challenge or scan["challenge"]
        nonce = _unb64(challenge["nonce"], "challenge.nonce")
        password_key, verifier = verifier_from_password(password, ks.kdf)
        share = key_der = b""
        key = None
        keep = True  # local refusals before anything is sent leave the scan open (it can still be rejected)
        try:
            response = _unlock(verifier, nonce)
            keep = False
            try:
                result = self._call(
                    "approve",
                    {"session_id": session_id, "challenge_id": challenge["id"], "response": _b64(response)},
                )
            except AppError as exc:
                fresh = exc.details.get("challenge")
                retry = isinstance(fresh, dict) and {"id", "nonce"} <= fresh.keys()
                if exc.code == "wrong_password" and retry:
                    self._challenge = fresh
                    keep = True
                raise
            share = _unb64(_field(result, "share"), "share")
            try:
                key_der = open_keystore(ks, password_key, share, device_id)
            except KeystoreLocked:
                raise AppError("keystore_locked", "服务器返回的密钥分片无法打开本机密钥") from None
            except KeystoreError as exc:
                raise AppError("bad_keystore", f"本机密钥无法使用: {exc}") from exc
            key = load_private_key(key_der)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise AppError("bad_keystore", "本机密钥不是椭圆曲线密钥")
            current = _field(result, "round")
            for signed in range(1, MAX_ROUNDS + 1):
                answer = self._sign_round(key, session_id, current, tamper)
                if answer.get("done") is True:
                    status = answer.get("status", "signed")
                    return {"status": status, "session_id": session_id, "rounds": signed}
                current = _field(answer, "round")
            raise AppError("protocol_error", "签名轮次过多")
        finally:
            del password_key, verifier, share, key_der, key
            if not keep:
                self.close()

    def _sign_round(self, key: ec.EllipticCurvePrivateKey, session_id: Any, rnd: Any,
                    tamper: Callable[[bytes], bytes] | None) -> dict[str, Any]:
        position = _field(rnd, "position", "round.position")
        signed_attrs = _unb64(_field(rnd, "signed_attrs", "round.signed_attrs"), "round.signed_attrs")
        algorithm = str(rnd.get("digest_algorithm") or "sha256").lower().replace("-", "").replace("_", "")
        if algorithm != "sha256":
            raise AppError("protocol_error", f"不支持的摘要算法: {rnd.get('digest_algorithm')}")
        # CMS signed attributes are DER-encoded as a SET OF (tag 0x31); anything else is not ours to sign.
        if not signed_attrs or signed_attrs[0] != 0x31:
            raise AppError("protocol_error", "服务器要求签名的数据不是CMS签名属性")
        signature = key.sign(signed_attrs, ec.ECDSA(hashes.SHA256()))
        if tamper is not None:
            signature = tamper(signature)
        return self._call(
            "sign_round", {"session_id": session_id, "position": position, "signature": _b64(signature)}
        )

    def reject(self) -> dict[str, Any]:
        """Refuse the scanned signing; returns `{status: "rejected"}`."""
        scan = self._pending()
        try:
            return self._call("reject", {"session_id": scan["session_id"]})
        finally:
            self.close()


def _check_new_password(password: str) -> None:
    try:
        check_signing_password(password)
    except WeakPassword as exc:
        raise AppError("weak_password", str(exc)) from None


def _unlock(verifier: bytes, nonce: bytes) -> bytes:
    try:
        return unlock_response(verifier, nonce)
    except KeystoreError as exc:
        raise AppError("protocol_error", f"服务器的解锁挑战无效: {exc}") from None


def _refusal(data: Any) -> AppError:
    """The server refused the Socket.IO connection (connect_error)."""
    if isinstance(data, dict):
        inner = data.get("data")
        if isinstance(inner, dict) and isinstance(inner.get("code"), str):
            return AppError.from_error_body(inner)
        if isinstance(data.get("code"), str):
            return AppError.from_error_body(data)
        message = data.get("message")
        if isinstance(message, str) and message:
            return AppError("connection_refused", message, {k: v for k, v in data.items() if k != "message"})
    if isinstance(data, str) and data:
        return AppError("connection_refused", data)
    return AppError("connection_refused", "服务器拒绝了实时连接（请重新登录）")


def _quiet_disconnect(sio: socketio.Client, wait: float = DISCONNECT_WAIT) -> None:
    """Say goodbye to the server, but wait at most `wait` seconds for the transport to wind down.

    A long-polling transport may otherwise block until the server's next ping (25 s by default), and
    a websocket until the close handshake times out; nothing is left to learn from the server then.
    """

    def run() -> None:
        with contextlib.suppress(Exception):
            sio.disconnect()

    worker = threading.Thread(target=run, name="signer-app-disconnect", daemon=True)
    worker.start()
    worker.join(wait)

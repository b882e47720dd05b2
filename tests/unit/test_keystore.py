"""Keystore: enrollment, unlock challenge/response, envelope sealing, password change, password rules."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import json
import pathlib
import re
import secrets
from typing import Any, cast

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import keystore
from keystore import (
    MAX_CONSECUTIVE_FAILURES,
    KdfParams,
    Keystore,
    KeystoreError,
    KeystoreLocked,
    WeakPassword,
    check_params,
    check_signing_password,
    check_unlock_response,
    derive_password_key,
    enroll,
    load_private_key,
    new_kdf_params,
    new_nonce,
    new_share,
    open_keystore,
    reseal,
    seal,
    unlock_response,
    validate_verifier,
    verifier_from_password,
)
from keystore import kdf as kdf_module

PASSWORD = "Sign#2024ok"
WRONG_PASSWORD = "Sign#2024ko"
NEW_PASSWORD = "新的签名密码2025"
DEVICE = "device-7f3a9c"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- fixtures ----------------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    )


def _cert(subject: str, public_key, issuer: str, issuer_key, serial: int, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@dataclasses.dataclass
class Pki:
    key_der: bytes
    public_key: ec.EllipticCurvePublicKey
    cert_pem: str
    chain_pem: list[str]
    serial_hex: str


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = "Test Issuing CA"
    ca = _cert(ca_name, ca_key.public_key(), ca_name, ca_key, x509.random_serial_number(), True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    serial = x509.random_serial_number()
    leaf = _cert(f"1@Test@{serial}@1", leaf_key.public_key(), "Test Issuing CA", ca_key, serial, False)
    der = leaf_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Pki(der, leaf_key.public_key(), _pem(leaf), [_pem(ca)], format(serial, "x"))


@dataclasses.dataclass
class Enrolled:
    enrollment: keystore.Enrollment
    server_verifier: bytes  # what the server stores
    server_share: bytes
    ks: Keystore


@pytest.fixture(scope="module")
def enrolled(pki: Pki) -> Enrolled:
    enrollment = enroll(PASSWORD)  # one scrypt run shared by the module
    server_verifier = validate_verifier(enrollment.verifier)
    share = new_share()
    ks = seal(
        pki.key_der,
        enrollment.password_key,
        share,
        DEVICE,
        pki.serial_hex,
        pki.cert_pem,
        pki.chain_pem,
        enrollment.params,
    )
    return Enrolled(enrollment, server_verifier, share, ks)


@pytest.fixture(scope="module")
def wrong_keys(enrolled: Enrolled) -> tuple[bytes, bytes]:
    return verifier_from_password(WRONG_PASSWORD, enrolled.enrollment.params)


def _edit(ks: Keystore, mutate) -> str:
    data = json.loads(ks.to_json())
    mutate(data)
    return json.dumps(data)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _flip(b64: str, index: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode("ascii")


# --- round trip --------------------------------------------------------------------------------


def test_full_round_trip_signs_with_original_key(pki: Pki, enrolled: Enrolled) -> None:
    text = enrolled.ks.to_json()
    assert "BEGIN PRIVATE KEY" not in text
    reloaded = Keystore.from_json(text)
    assert reloaded == enrolled.ks
    assert reloaded.kdf.n == 2**17 and reloaded.kdf.r == 8 and reloaded.kdf.p == 1
    assert reloaded.kdf.salt == enrolled.enrollment.params.salt

    # Unlock: the server challenges, the phone answers from V, the server checks and returns S.
    nonce = new_nonce()
    assert len(nonce) == 32
    response = unlock_response(enrolled.enrollment.verifier, nonce)
    assert check_unlock_response(enrolled.server_verifier, nonce, response)
    # The same response does not answer another challenge.
    assert not check_unlock_response(enrolled.server_verifier, new_nonce(), response)

    der = open_keystore(reloaded, enrolled.enrollment.password_key, enrolled.server_share, DEVICE)
    assert der == pki.key_der
    key = load_private_key(der)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    message = b"%PDF signed attributes digest input"
    signature = key.sign(message, ec.ECDSA(hashes.SHA256()))
    pki.public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    cast(ec.EllipticCurvePublicKey, reloaded.certificate().public_key()).verify(signature, message,
                                                                                ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        pki.public_key.verify(signature, message + b"x", ec.ECDSA(hashes.SHA256()))


def test_enrollment_values(enrolled: Enrolled) -> None:
    e = enrolled.enrollment
    assert len(e.password_key) == 32 and len(e.verifier) == 32 and len(enrolled.server_share) == 32
    assert e.verifier != e.password_key
    assert e.password_key.hex() not in repr(e)
    assert len(e.params.salt) == 16
    assert new_kdf_params().salt != new_kdf_params().salt
    assert new_share() != new_share()
    assert MAX_CONSECUTIVE_FAILURES == 5


def test_nfc_normalization() -> None:
    composed, decomposed = "caf\u00e9-2024", "cafe\u0301-2024"
    assert kdf_module.normalize_password(composed) == kdf_module.normalize_password(decomposed)


# --- wrong password, missing share, other device -----------------------------------------------


def test_wrong_password_is_refused(enrolled: Enrolled, wrong_keys: tuple[bytes, bytes]) -> None:
    wrong_p, wrong_v = wrong_keys
    assert wrong_v != enrolled.server_verifier
    nonce = new_nonce()
    assert not check_unlock_response(enrolled.server_verifier, nonce, unlock_response(wrong_v, nonce))
    with pytest.raises(KeystoreLocked):
        open_keystore(enrolled.ks, wrong_p, enrolled.server_share, DEVICE)


@pytest.mark.parametrize("share", [secrets.token_bytes(32), bytes(32)], ids=["random", "zeros"])
def test_copied_keystore_without_share_cannot_be_opened(enrolled: Enrolled, share: bytes) -> None:
    copy = Keystore.from_json(enrolled.ks.to_json())
    with pytest.raises(KeystoreLocked):
        open_keystore(copy, enrolled.enrollment.password_key, share, DEVICE)


def test_share_of_wrong_length_is_refused(enrolled: Enrolled) -> None:
    for share in (b"", enrolled.server_share[:31], enrolled.server_share + b"\0"):
        with pytest.raises(KeystoreError):
            open_keystore(enrolled.ks, enrolled.enrollment.password_key, share, DEVICE)


def test_server_alone_cannot_open(enrolled: Enrolled) -> None:
    # The server holds V and S but not P: V in place of P does not open the envelope.
    with pytest.raises(KeystoreLocked):
        open_keystore(enrolled.ks, enrolled.server_verifier, enrolled.server_share, DEVICE)


def test_other_device_cannot_open(enrolled: Enrolled) -> None:
    p, s = enrolled.enrollment.password_key, enrolled.server_share
    with pytest.raises(KeystoreError):
        open_keystore(enrolled.ks, p, s, "device-other")
    # Rewriting the device id in the file does not help: K and the AAD depend on the original one.
    moved = Keystore.from_json(_edit(enrolled.ks, lambda d: d.update(device_id="device-other")))
    with pytest.raises(KeystoreLocked):
        open_keystore(moved, p, s, "device-other")
    moved = dataclasses.replace(enrolled.ks, device_id="device-other")
    with pytest.raises(KeystoreLocked):
        open_keystore(moved, p, s, "device-other")


# --- change password ---------------------------------------------------------------------------


def test_change_password(pki: Pki, enrolled: Enrolled) -> None:
    old = enrolled.enrollment
    # 1. unlock with the old password
    nonce = new_nonce()
    assert check_unlock_response(enrolled.server_verifier, nonce, unlock_response(old.verifier, nonce))
    der = open_keystore(enrolled.ks, old.password_key, enrolled.server_share, DEVICE)
    # 2. re-enroll: new salt, new V; the server replaces V and issues a new S
    new = enroll(NEW_PASSWORD)
    assert new.params.salt != old.params.salt
    server_verifier, server_share = validate_verifier(new.verifier), new_share()
    new_ks = reseal(enrolled.ks, der, new.password_key, server_share, new.params)
    assert new_ks.kdf == new.params and new_ks.nonce != enrolled.ks.nonce
    assert (new_ks.certificate_pem, new_ks.chain_pem) == (pki.cert_pem, pki.chain_pem)

    # The new password unlocks and opens.
    nonce = new_nonce()
    assert check_unlock_response(server_verifier, nonce, unlock_response(new.verifier, nonce))
    assert open_keystore(Keystore.from_json(new_ks.to_json()), new.password_key, server_share, DEVICE) == der
    # The old password no longer unlocks.
    nonce = new_nonce()
    assert not check_unlock_response(server_verifier, nonce, unlock_response(old.verifier, nonce))
    # The old share no longer opens the re-sealed keystore, even with the new password key.
    with pytest.raises(KeystoreLocked):
        open_keystore(new_ks, new.password_key, enrolled.server_share, DEVICE)
    # An old copy of the keystore dies: the server now only hands out the new share.
    with pytest.raises(KeystoreLocked):
        open_keystore(enrolled.ks, old.password_key, server_share, DEVICE)


def test_enroll_checks_password_rules_before_deriving(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_scrypt(*args, **kwargs):
        raise AssertionError("scrypt must not run")

    monkeypatch.setattr(hashlib, "scrypt", no_scrypt)  # the module keystore.kdf calls
    with pytest.raises(WeakPassword):
        enroll("123456")


# --- KDF parameters ----------------------------------------------------------------------------


def test_downgraded_n_refused_before_derivation(enrolled: Enrolled, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def counting_scrypt(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        return bytes(32)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)

    text = _edit(enrolled.ks, lambda d: d["kdf"].update(n=2**10))
    with pytest.raises(KeystoreError, match=r"kdf\.n"):
        Keystore.from_json(text)

    weak = dataclasses.replace(enrolled.ks, kdf=dataclasses.replace(enrolled.ks.kdf, n=2**10))
    with pytest.raises(KeystoreError):
        derive_password_key(PASSWORD, weak.kdf)
    with pytest.raises(KeystoreError):
        verifier_from_password(PASSWORD, weak.kdf)
    with pytest.raises(KeystoreError):
        open_keystore(weak, enrolled.enrollment.password_key, enrolled.server_share, DEVICE)
    assert calls == []


@pytest.mark.parametrize(
    "change",
    [
        {"n": 2**16},
        {"n": 2**17 + 1},
        {"n": 2**21},
        {"r": 7},
        {"r": 64},
        {"p": 0},
        {"p": 100},
        {"dklen": 16},
        {"algorithm": "pbkdf2"},
        {"salt": bytes(15)},
        {"n": True},
    ],
)
def test_check_params_refuses_weak_or_absurd(change: dict) -> None:
    params = KdfParams(salt=secrets.token_bytes(16))
    check_params(params)
    with pytest.raises(KeystoreError):
        check_params(dataclasses.replace(params, **change))


def test_kdf_params_dict_round_trip() -> None:
    params = new_kdf_params()
    data = params.to_dict()
    assert data["algorithm"] == "scrypt" and data["n"] == 2**17
    assert base64.b64decode(data["salt"]) == params.salt
    assert KdfParams.from_dict(data) == params
    with pytest.raises(KeystoreError):
        KdfParams.from_dict({**data, "extra": 1})
    with pytest.raises(KeystoreError):
        KdfParams.from_dict({k: v for k, v in data.items() if k != "salt"})
    with pytest.raises(KeystoreError):
        KdfParams.from_dict({**data, "salt": "not base64!"})


def test_tampered_salt_fails_open(enrolled: Enrolled) -> None:
    text = _edit(enrolled.ks, lambda d: d["kdf"].update(salt=_flip(d["kdf"]["salt"], 0)))
    tampered = Keystore.from_json(text)  # structurally valid
    with pytest.raises(KeystoreLocked):
        open_keystore(tampered, enrolled.enrollment.password_key, enrolled.server_share, DEVICE)


# --- tampering ---------------------------------------------------------------------------------


HEADER_TAMPERS = {
    "version": lambda d: d.update(version=2),
    "cipher": lambda d: d.update(cipher="AES-128-GCM"),
    "serial_hex": lambda d: d.update(serial_hex=format(int(d["serial_hex"], 16) + 1, "x")),
    "cert_fingerprint": lambda d: d.update(cert_fingerprint="00" * 32),
    "kdf.r": lambda d: d["kdf"].update(r=9),
    "kdf.p": lambda d: d["kdf"].update(p=2),
    "kdf.n": lambda d: d["kdf"].update(n=2**18),
    "kdf.dklen": lambda d: d["kdf"].update(dklen=64),
    "chain_pem": lambda d: d.update(chain_pem=[]),
    "chain_pem_dup": lambda d: d.update(chain_pem=d["chain_pem"] * 2),
    "certificate_pem": lambda d: d.update(certificate_pem=d["chain_pem"][0]),
    "nonce": lambda d: d.update(nonce=_flip(d["nonce"], 5)),
    "nonce_length": lambda d: d.update(nonce=_b64(bytes(16))),
    "ciphertext_truncated": lambda d: d.update(ciphertext=_b64(base64.b64decode(d["ciphertext"])[:-1])),
    "missing_field": lambda d: d.pop("cert_fingerprint"),
    "unknown_field": lambda d: d.update(comment="hi"),
    "missing_version": lambda d: d.pop("version"),
}


@pytest.mark.parametrize("name", sorted(HEADER_TAMPERS))
def test_tampered_header_field_is_refused(enrolled: Enrolled, name: str) -> None:
    text = _edit(enrolled.ks, HEADER_TAMPERS[name])
    with pytest.raises(KeystoreError):
        ks = Keystore.from_json(text)
        open_keystore(ks, enrolled.enrollment.password_key, enrolled.server_share, DEVICE)


def test_ciphertext_byte_flips_are_refused(enrolled: Enrolled) -> None:
    length = len(enrolled.ks.ciphertext)
    for index in sorted({0, 1, length // 2, length - 17, length - 16, length - 1}):
        text = _edit(enrolled.ks, lambda d, i=index: d.update(ciphertext=_flip(d["ciphertext"], i)))
        with pytest.raises(KeystoreLocked):
            open_keystore(
                Keystore.from_json(text), enrolled.enrollment.password_key, enrolled.server_share, DEVICE
            )


def test_in_memory_header_changes_break_the_tag(enrolled: Enrolled) -> None:
    """Fields changed consistently (passing validation) still fail: they are bound by the AAD."""
    p, s = enrolled.enrollment.password_key, enrolled.server_share
    for changed in (
        dataclasses.replace(enrolled.ks, kdf=dataclasses.replace(enrolled.ks.kdf, r=9)),
        dataclasses.replace(enrolled.ks, chain_pem=[]),
        dataclasses.replace(enrolled.ks, nonce=bytes(12)),
    ):
        changed.validate()
        with pytest.raises(KeystoreLocked):
            open_keystore(changed, p, s, DEVICE)


@pytest.mark.parametrize("bad", ["", "not json", "[]", '{"version": 1}', '{"version": "1"}'])
def test_from_json_rejects_garbage(bad: str) -> None:
    with pytest.raises(KeystoreError):
        Keystore.from_json(bad)


def test_seal_refuses_mismatched_inputs(pki: Pki, enrolled: Enrolled) -> None:
    e, s = enrolled.enrollment, enrolled.server_share
    other_key = keystore.generate_private_key()
    with pytest.raises(KeystoreError, match="does not belong"):
        seal(other_key, e.password_key, s, DEVICE, pki.serial_hex, pki.cert_pem, pki.chain_pem, e.params)
    wrong_serial = format(int(pki.serial_hex, 16) + 1, "x")
    with pytest.raises(KeystoreError, match="serial"):
        seal(pki.key_der, e.password_key, s, DEVICE, wrong_serial, pki.cert_pem, pki.chain_pem, e.params)
    with pytest.raises(KeystoreError):
        seal(pki.key_der, e.password_key, s, "", pki.serial_hex, pki.cert_pem, pki.chain_pem, e.params)
    with pytest.raises(KeystoreError):
        seal(pki.key_der, e.password_key[:16], s, DEVICE, pki.serial_hex, pki.cert_pem, [], e.params)
    # An upper-case serial is normalized.
    ks = seal(pki.key_der, e.password_key, s, DEVICE, pki.serial_hex.upper(), pki.cert_pem, [], e.params)
    assert ks.serial_hex == pki.serial_hex


# --- server side -------------------------------------------------------------------------------


def test_check_unlock_response_wrong_lengths_return_false(enrolled: Enrolled) -> None:
    v = enrolled.server_verifier
    nonce = new_nonce()
    good = unlock_response(v, nonce)
    assert check_unlock_response(v, nonce, good)
    for response in (b"", good[:-1], good + b"\0", good * 2):
        assert check_unlock_response(v, nonce, response) is False
    assert check_unlock_response(v[:-1], nonce, good) is False
    assert check_unlock_response(v, nonce[:16], good) is False
    assert check_unlock_response(v, nonce, cast(Any, good.hex())) is False  # wrong type on purpose
    assert check_unlock_response(cast(Any, None), nonce, good) is False
    flipped = bytes([good[0] ^ 1]) + good[1:]
    assert check_unlock_response(v, nonce, flipped) is False


def test_validate_verifier() -> None:
    assert validate_verifier(bytes(32)) == bytes(32)
    for bad in (b"", bytes(31), bytes(33), "00" * 32):
        with pytest.raises(KeystoreError):
            validate_verifier(cast(Any, bad))  # the str is a wrong type on purpose


def test_unlock_response_checks_lengths(enrolled: Enrolled) -> None:
    with pytest.raises(KeystoreError):
        unlock_response(enrolled.enrollment.verifier, b"short")
    with pytest.raises(KeystoreError):
        unlock_response(b"short", new_nonce())


# --- password rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Sign#2024ok", "qz7Lm2", "我的签名密码2024", "tea for 2 cups", "1357924680"]
)
def test_password_accepted(password: str) -> None:
    check_signing_password(password)


@pytest.mark.parametrize(
    "password",
    [
        "",
        "12345",
        "abc",
        "x" * 30 + "y" * 35,
        "aaaaaa",
        "000000",
        "888888",
        "123456",
        "654321",
        "abcdef",
        "ABCDEF",
        "fedcba",
        "123123",
        "121212",
        "abcabc",
        "112233",
        "password",
        "PassWord",
        "qwerty",
        "abc123",
        "147258",
        "123321",
        "520520",
        "a1234567",
        "abc\x00def",
    ],
)
def test_password_refused_with_chinese_message(password: str) -> None:
    with pytest.raises(WeakPassword) as info:
        check_signing_password(password)
    assert isinstance(info.value, ValueError)
    assert CHINESE.search(str(info.value))


def test_blocklist_is_a_frozenset() -> None:
    assert isinstance(keystore.COMMON_PASSWORDS, frozenset)
    assert {"123456", "000000", "password", "a1234567"} <= keystore.COMMON_PASSWORDS


def test_pure_library_imports() -> None:
    forbidden = {"flask", "flask_socketio", "signer", "api", "realtime", "mobile", "pdfsign"}
    imported = set()
    for path in pathlib.Path(keystore.__file__).parent.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:from|import)\s+([\w.]+)", line)
            if m:
                imported.add(m.group(1).split(".")[0])
    assert "cryptography" in imported
    assert not imported & forbidden

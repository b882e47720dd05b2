"""Signing-password rules. They run on the phone: the server never sees the password."""

from __future__ import annotations

import itertools
import unicodedata

from .errors import WeakPassword

MIN_LENGTH = 6
MAX_LENGTH = 64

# Common passwords (compared case-insensitively after NFC normalization).
_COMMON_PASSWORDS_TEXT = """
    123456 1234567 12345678 123456789 1234567890 0123456789 654321 987654321 000000 111111 222222
    333333 444444 555555 666666 777777 888888 999999 123123 321321 456456 112233 11223344 121212
    131313 123321 123654 147258 147258369 147852 147369 258369 159357 159753 789456 456789 789456123
    741852963 100200 110110 666888 888666 168168 518518 520520 5201314 1314520 5211314 7758521
    131420 woaini woaini1314 iloveyou password password1 passw0rd p@ssw0rd qwerty qwerty123
    qwertyuiop qwe123 123qwe qweasd qweasdzxc 1qaz2wsx 12qwaszx zxcvbnm asdfgh asdfghjkl abc123
    abc123456 123abc aaa111 abcd1234 1234abcd 1234qwer a123456 a1234567 a12345678 aa123456 123456a
    admin admin123 root123 test123 welcome 111222 123456abc q1w2e3r4 1q2w3e4r
"""
COMMON_PASSWORDS: frozenset[str] = frozenset(_COMMON_PASSWORDS_TEXT.split())


def _is_run(text: str) -> bool:
    """A simple ascending or descending run of consecutive characters (123456, 654321, abcdef)."""
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return steps in ({1}, {-1})


def _is_repetition(text: str) -> bool:
    """The whole password is one short unit (up to 3 characters) repeated (aaaaaa, 121212, abcabc)."""
    for unit in range(1, 4):
        if len(text) % unit == 0 and len(text) // unit >= 2 and text == text[:unit] * (len(text) // unit):
            return True
    return False


def check_signing_password(password: str) -> None:
    """Raise WeakPassword (with a Chinese message) unless the password satisfies the rules."""
    if not isinstance(password, str):
        raise WeakPassword("签名密码必须是文本")
    text = unicodedata.normalize("NFC", password)
    if len(text) < MIN_LENGTH:
        raise WeakPassword(f"签名密码至少需要{MIN_LENGTH}个字符")
    if len(text) > MAX_LENGTH:
        raise WeakPassword(f"签名密码不能超过{MAX_LENGTH}个字符")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise WeakPassword("签名密码不能包含控制字符")
    folded = text.casefold()
    if len(set(folded)) == 1:
        raise WeakPassword("签名密码不能全部是同一个字符")
    if _is_run(folded):
        raise WeakPassword("签名密码不能是连续的数字或字母（如123456、654321、abcdef）")
    if _is_repetition(folded):
        raise WeakPassword("签名密码不能是简单的重复组合（如121212、abcabc）")
    if folded in COMMON_PASSWORDS:
        raise WeakPassword("签名密码过于常见，请换一个更难猜的密码")

"""Identity numbers of the B2 form: check digits and formats, as pure functions.

- 居民身份证: GB 11643-1999, 17 digits + ISO 7064 MOD 11-2 check character, a real birth date.
- 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) + 8 digits, + 2 issue digits on cards since 2019.
- 台湾居民来往大陆通行证: 8 digits (cards since 2015), or the older 10 digits with an optional letter.
- 护照: 5–17 letters and digits with at least one digit; Chinese passports (E/G) checked strictly.
- 统一社会信用代码: GB 32100-2015, 17 characters + MOD 31 check character.
"""

from __future__ import annotations

import re
from datetime import date

from signer.applications.enums import IdType

_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
_PROVINCES = frozenset({
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
    61, 62, 63, 64, 65, 71, 81, 82, 83,  # 71 台湾, 81/82/83 港澳台居民居住证
})
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_HK_MACAO = re.compile(r"[HM]\d{8}(\d{2})?")
_TAIWAN = re.compile(r"\d{8}|\d{10}[A-Z]?")
_CN_PASSPORT = re.compile(r"[EG]\d{8}|E[A-HJ-NP-Z]\d{7}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")


def normalize(number: str) -> str:
    """Upper case, no spaces (people type ``x`` for the check character and add spaces)."""
    return "".join(number.split()).upper()


def resident_check_char(first17: str) -> str:
    return _RESIDENT_CHECK[sum(int(c) * w for c, w in zip(first17, _RESIDENT_WEIGHTS, strict=True)) % 11]


def resident_id_problem(number: str, today: date | None = None) -> str | None:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "居民身份证号码应为18位（最后一位可为X）"
    if int(number[:2]) not in _PROVINCES:
        return "居民身份证号码的地区码无效"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期无效"
    if born.year < 1870 or born > (today or date.today()):
        return "居民身份证号码中的出生日期无效"
    if resident_check_char(number[:17]) != number[17]:
        return "居民身份证号码校验位错误"
    return None


def id_number_problem(id_type: IdType, number: str) -> str | None:
    """None when ``number`` (already normalized) is a valid number of ``id_type``, else why not."""
    if id_type == IdType.RESIDENT_ID:
        return resident_id_problem(number)
    if id_type == IdType.HK_MACAO_PASS:
        return None if _HK_MACAO.fullmatch(number) else "港澳居民来往内地通行证号码应为H或M加8位（或10位）数字"
    if id_type == IdType.TAIWAN_PASS:
        return None if _TAIWAN.fullmatch(number) else "台湾居民来往大陆通行证号码应为8位数字（旧证10位）"
    if id_type == IdType.PASSPORT:
        if number[:1] in ("E", "G") and len(number) == 9 and not _CN_PASSPORT.fullmatch(number):
            return "中国护照号码应为E或G加8位数字"
        if not _PASSPORT.fullmatch(number) or not any(c.isdigit() for c in number):
            return "护照号码应为5至17位字母和数字"
        return None
    return "不支持的证件类型"


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
    if uscc_check_char(code[:17]) != code[17]:
        return "统一社会信用代码校验位错误"
    return None


def tax_number_problem(number: str) -> str | None:
    """纳税人识别号: the 18-character credit code, or a legacy 15/17/20-character tax registration number."""
    if len(number) == 18:
        return uscc_problem(number)
    if len(number) in (15, 17, 20) and re.fullmatch(r"[0-9A-Z]+", number):
        return None
    return "纳税人识别号应为18位统一社会信用代码（或15、17、20位旧税号）"


def is_mobile(phone: str) -> bool:
    """A mainland mobile number (11 digits starting 13–19)."""
    return bool(_MOBILE.fullmatch(phone))


def is_phone_number(contact: str) -> bool:
    """A mobile number, or a landline of 7 to 20 digits and hyphens (办理人联系方式, 收件人联系电话)."""
    return is_mobile(contact) or (7 <= len(contact) <= 20 and all(c in "0123456789-" for c in contact))


def mask_id(number: str) -> str:
    """Shown in lists: the first 3 and last 4 characters."""
    return number if len(number) <= 7 else number[:3] + "*" * (len(number) - 7) + number[-4:]

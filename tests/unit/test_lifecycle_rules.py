"""Pure rules of the lifecycle: ID numbers (B2), money (B4, F2), uploads (B3), the state tables (A5)."""

from __future__ import annotations

import zlib
from datetime import date
from io import BytesIO

import pytest
from PIL import Image

from signer.applications import idnumbers, uploads
from signer.applications.enums import (
    APPLICATION_TRANSITIONS,
    INITIAL_STATUS,
    ApplicationKind,
    ApplicationStatus,
    AttachmentKind,
    IdType,
)
from signer.applications.settings import PriceTable
from signer.billing.enums import ORDER_TRANSITIONS, OrderStatus
from signer.billing.pdfdoc import capital_amount, yuan
from signer.core.errors import TooLarge, ValidationFailed
from signer.demo.samples import sample_pdf
from tests.lifecycle_helpers import scan_jpeg, seal_png

VALID_RESIDENT_IDS = ["11010519491231002X", "440524188001010014", "110101199003074477"]
VALID_USCC = ["91350100M000100Y43", "91110000600037341L", "91370681MA3C7H2X10"]


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_b2_resident_id_check_digit_accepts_valid_numbers(number):
    assert idnumbers.resident_id_problem(number) is None


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_b2_resident_id_any_single_digit_change_is_caught(number):
    for i in range(17):
        digit = number[i]
        mutated = number[:i] + str((int(digit) + 1) % 10) + number[i + 1:]
        assert idnumbers.resident_id_problem(mutated) is not None, mutated


def test_b2_resident_id_format_date_and_region():
    assert "18位" in idnumbers.resident_id_problem("11010519491231002")
    assert "出生日期" in idnumbers.resident_id_problem("110105194902300021")  # 30 February
    assert "出生日期" in idnumbers.resident_id_problem("110105" + "20990101" + "0010", date(2026, 1, 1))
    assert "地区码" in idnumbers.resident_id_problem("99010519491231002X")
    assert idnumbers.normalize(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("id_type,good,bad", [
    (IdType.HK_MACAO_PASS, ["H12345678", "M1234567801"], ["H1234567", "A12345678", "H123456789"]),
    (IdType.TAIWAN_PASS, ["12345678", "1234567890", "1234567890B"], ["1234567", "T1234567"]),
    (IdType.PASSPORT, ["E12345678", "EA1234567", "G12345678", "X1234567"], ["E1234567A", "ABCDE", "12", "E-1234567"]),
])
def test_b2_other_document_formats(id_type, good, bad):
    assert [n for n in good if idnumbers.id_number_problem(id_type, n)] == []
    assert [n for n in bad if idnumbers.id_number_problem(id_type, n) is None] == []


@pytest.mark.parametrize("code", VALID_USCC)
def test_f1_credit_code_check_character(code):
    assert idnumbers.uscc_problem(code) is None
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert "校验位" in idnumbers.uscc_problem(wrong)
    assert idnumbers.uscc_problem(code[:10] + "I" + code[11:]) is not None  # I, O, Z, S, V never appear


def test_mobile_numbers():
    assert idnumbers.is_mobile("13666628413") and not idnumbers.is_mobile("12666628413")
    assert not idnumbers.is_mobile("1366662841") and not idnumbers.is_mobile("136666284130")


def test_f2_money_in_fen_and_capital_amounts():
    assert yuan(30000) == "300.00" and yuan(5) == "0.05" and yuan(123456789) == "1,234,567.89"
    assert capital_amount(30000) == "叁佰元整"
    assert capital_amount(1234567) == "壹万贰仟叁佰肆拾伍元陆角柒分"
    assert capital_amount(100000001) == "壹佰万元零壹分"
    assert capital_amount(1000100) == "壹万零壹元整"
    assert capital_amount(0) == "零元整"


def test_b2_price_table_is_configurable_and_in_fen():
    table = PriceTable({"new": {"mobile": {"1": 30000, "2": 55000}}, "change": {"mobile": {"0": 0}}})
    assert table.price(ApplicationKind.NEW, "mobile", 2) == (2, 55000)
    assert table.price(ApplicationKind.CHANGE, "mobile", None) == (0, 0)
    with pytest.raises(ValidationFailed) as err:
        table.price(ApplicationKind.NEW, "mobile", 3)
    assert "1年(300.00元)" in err.value.message
    with pytest.raises(ValueError):
        PriceTable({"new": {"mobile": {"1": -1}}})


def test_a5_every_state_machine_has_a_complete_table():
    for kind, table in APPLICATION_TRANSITIONS.items():
        assert set(table) == set(ApplicationStatus), kind
        assert INITIAL_STATUS[kind] in table
        for targets in table.values():
            assert targets <= set(ApplicationStatus)
        assert table[ApplicationStatus.APPROVED] == frozenset() and table[ApplicationStatus.CANCELLED] == frozenset()
    assert ORDER_TRANSITIONS[OrderStatus.CANCELLED] == frozenset() == ORDER_TRANSITIONS[OrderStatus.PAID]
    paid = APPLICATION_TRANSITIONS[ApplicationKind.NEW]
    assert ApplicationStatus.APPROVED not in paid[ApplicationStatus.PENDING_PAYMENT]  # approve an unpaid one: never


# -- B3 uploads: the bytes decide, never the name ---------------------------------------------------------
def _png(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def _pixel_bomb(width: int = 60000, height: int = 60000) -> bytes:
    """A tiny PNG whose header claims 3.6 billion pixels (zlib of one zero row, repeated nowhere)."""
    import struct

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 1024))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def test_b3_images_are_reencoded_and_names_sanitized():
    cleaned = uploads.clean(AttachmentKind.COMPANY_SEAL, "../../etc/公章\u202e.png", seal_png(), 10 << 20)
    assert cleaned.content_type == "image/png" and cleaned.filename == "公章.png"
    assert Image.open(BytesIO(cleaned.data)).mode == "RGBA"
    scan = uploads.clean(AttachmentKind.BUSINESS_LICENSE, "C:\\Users\\x\\营业执照.JPG", scan_jpeg(), 10 << 20)
    assert scan.filename == "营业执照.jpg" and scan.data != scan_jpeg() and scan.data[:3] == b"\xff\xd8\xff"
    pdf = uploads.clean(AttachmentKind.APPLICATION_FORM, "form.pdf", sample_pdf(), 10 << 20)
    assert pdf.content_type == "application/pdf" and pdf.data == sample_pdf()
    assert uploads.sanitize_filename('a<b>:"c|?*.png', "png") == "a_b___c___.png"
    assert uploads.sanitize_filename("....", "pdf") == "file.pdf"


@pytest.mark.parametrize("kind,name,data,code", [
    (AttachmentKind.COMPANY_SEAL, "seal.png", b"MZ\x90\x00 not an image", "file_type"),
    (AttachmentKind.COMPANY_SEAL, "seal.png", sample_pdf(), "file_type"),  # a PDF is no seal image
    (AttachmentKind.BUSINESS_LICENSE, "license.png", scan_jpeg(), "type_mismatch"),  # JPEG named .png
    (AttachmentKind.BUSINESS_LICENSE, "license.png", b"<svg onload=alert(1)>", "file_type"),
    (AttachmentKind.COMPANY_SEAL, "bomb.png", _pixel_bomb(), "image_size"),
    (AttachmentKind.COMPANY_SEAL, "truncated.png", seal_png()[:200], "image_unreadable"),
    (AttachmentKind.APPLICATION_FORM, "form.pdf", b"%PDF-1.7\n garbage", "pdf_unreadable"),
    (AttachmentKind.OPERATOR_ID, "empty.jpg", b"", "file_empty"),
])
def test_b3_hostile_files_are_refused_with_a_clear_message(kind, name, data, code):
    with pytest.raises(ValidationFailed) as err:
        uploads.clean(kind, name, data, 10 << 20)
    assert err.value.code == code and err.value.message


def test_b3_oversized_files_are_refused_before_parsing():
    with pytest.raises(TooLarge):
        uploads.clean(AttachmentKind.OPERATOR_ID, "big.pdf", b"%PDF-" + b"0" * (2 << 20), 1 << 20)
    with pytest.raises(ValidationFailed) as err:
        uploads.clean(AttachmentKind.COMPANY_SEAL, "tiny.png", _png(8, 8), 10 << 20)
    assert err.value.code == "image_size"

"""Documents to sign: a small hand-written PDF (tests, benchmarks) and the demo's Chinese 采购合同."""

from __future__ import annotations

from signer.billing.pdfdoc import Page, capital_amount, render, yuan
from signer.demo.seed import DEMO_ENTERPRISE


def sample_pdf(title: str = "Purchase quotation", pages: int = 1) -> bytes:
    """A PDF with ``pages`` A4 pages of Helvetica text (ASCII title); needs no font, so tests use it."""
    safe = "".join(ch for ch in title if 32 <= ord(ch) < 127).replace("\\", "").replace("(", "").replace(")", "")
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # pages, filled below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    kids = []
    for n in range(pages):
        text = (f"BT /F1 20 Tf 72 760 Td ({safe}) Tj ET "
                f"BT /F1 11 Tf 72 730 Td (Page {n + 1} of {pages}. Signed with the platform's mobile certificate.) "
                f"Tj ET").encode()
        objects.append(b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream")
        content_ref = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_ref
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# The demo's 采购合同: the demo enterprise sells three vehicles to a customer. Amounts in fen.
CONTRACT_NO = "HT-2026-0618"
BUYER = "烟台海岳物流有限公司"
CONTRACT_ITEMS = (
    ("轻型厢式货车", "JX1041TG6", "辆", 2, 12_860_000),
    ("纯电动城市物流车", "EV-N300", "辆", 1, 15_980_000),
    ("车载北斗定位终端", "BD-T18", "套", 3, 168_000),
)

def purchase_contract(font_paths: list[str], seller: str = DEMO_ENTERPRISE) -> bytes:
    """A one-page 采购合同 in Chinese (parties, items, amounts, terms, signature block) for ``seller``."""
    return render(_contract_page(seller), font_paths, f"采购合同 {CONTRACT_NO}")


def _contract_page(seller: str) -> Page:
    page = Page()
    page.text(297.5, 52, "采 购 合 同", size=22, align="center")
    page.text(535, 86, f"合同编号：{CONTRACT_NO}", size=9.5, align="right")
    y = 110.0
    for label, party in (("甲方（采购方）：", BUYER), ("乙方（供货方）：", seller)):
        page.text(60, y, label + party, size=11)
        y += 20
    page.text(60, y + 4, "甲乙双方经友好协商，依据《中华人民共和国民法典》，就甲方向乙方采购下列货物达成如下协议：",
              size=9.5)
    y += 30
    columns = ((60, "货物名称"), (190, "规格型号"), (282, "单位"), (322, "数量"), (372, "单价（元）"),
               (455, "金额（元）"))
    page.rect(55, y - 4, 485, 20 + 20 * (len(CONTRACT_ITEMS) + 1))
    for x, head in columns:
        page.text(x, y, head, size=10)
    total = 0
    for name, model, unit, count, price in CONTRACT_ITEMS:
        y += 20
        page.line(55, y - 4, 540, y - 4, width=0.4)
        amount = count * price
        total += amount
        for x, value in zip((60, 190, 282, 322), (name, model, unit, str(count)), strict=True):
            page.text(x, y, value, size=10)
        page.text(445, y, yuan(price), size=10, align="right")
        page.text(535, y, yuan(amount), size=10, align="right")
    y += 20
    page.line(55, y - 4, 540, y - 4, width=0.4)
    page.text(60, y, f"合计金额（大写）：人民币{capital_amount(total)}", size=10)
    page.text(535, y, f"￥{yuan(total)}", size=10, align="right")
    y += 40
    terms = (
        "一、交货：乙方于合同签订后十五日内将货物送至甲方指定地点（山东省烟台市芝罘区），运费由乙方承担。",
        "二、付款：合同签订后甲方支付合同总额的30%作为预付款，货物验收合格后十日内付清余款。",
        "三、质量：货物须为全新原厂正品，符合国家标准；整车质保三年或十万公里，以先到者为准。",
        "四、违约：任何一方违约，应向守约方支付合同总额5%的违约金；逾期交货每日按0.1%计付。",
        "五、争议：因本合同发生的争议，双方协商解决；协商不成的，提交乙方所在地人民法院诉讼解决。",
        "六、本合同一式两份，双方各执一份，经双方签章后生效；以可靠电子签名签署的，与纸质签章具有同等效力。",
    )
    for term in terms:
        page.text(60, y, term, size=9.5)
        y += 19
    page.text(60, 600, f"甲方（盖章）：{BUYER}", size=10)
    page.text(60, 620, f"乙方（盖章）：{seller}", size=10)
    page.text(535, 620, "签订日期：2026年6月18日", size=10, align="right")
    # The demo's three seals (公章, 法定代表人章, 手写签名) go in a row under these labels.
    for x, label in ((60, "乙方公章"), (225, "法定代表人（签章）"), (390, "授权代表（签字）")):
        page.text(x, 652, label, size=9.5)
    return page

"""Active content: what a viewer would run or fetch instead of showing what is on the page.

What the signer sees must be what is signed, so a document that can change its appearance or act on
its own (JavaScript, additional actions, XFA forms, launching programs, submitting or importing form
data, embedded media players, actions that hide content or switch layers) is refused. Every object of
the document is looked at, not only the catalog and the pages, so an action hidden in an outline item,
an annotation or a ``/Next`` chain is found too. Plain links (``/URI``, ``/GoTo``) are allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyhanko.pdf_utils import generic

from .errors import PdfRejected

_ACTIONS = {
    "/JavaScript": "JavaScript 脚本",
    "/Launch": "启动外部程序的动作（/Launch）",
    "/SubmitForm": "提交表单数据的动作（/SubmitForm）",
    "/ImportData": "导入数据的动作（/ImportData）",
    "/Rendition": "多媒体播放动作（/Rendition）",
    "/RichMediaExecute": "富媒体执行动作（/RichMediaExecute）",
    "/Movie": "影片播放动作（/Movie）",
    "/Sound": "声音播放动作（/Sound）",
    "/SetOCGState": "切换图层可见性的动作（/SetOCGState）",
    "/Hide": "隐藏或显示注释的动作（/Hide）",
}
_ANNOTATIONS = {
    "/RichMedia": "富媒体（/RichMedia）",
    "/Movie": "影片（/Movie）",
    "/Screen": "多媒体屏幕注释（/Screen）",
    "/3D": "3D 内容（/3D）",
    "/Sound": "声音注释（/Sound）",
}
_MAX_DEPTH = 32


def find_active_content(objects: Iterable[generic.PdfObject], catalog: generic.DictionaryObject) -> list[str]:
    """Describe (in Chinese) each kind of active content found; empty when there is none."""
    found: dict[str, None] = {}  # ordered set
    _catalog_checks(catalog, found)
    for obj in objects:
        _visit(obj, found, 0)
    return list(found)


def check_active_content(objects: Iterable[generic.PdfObject], catalog: generic.DictionaryObject) -> None:
    found = find_active_content(objects, catalog)
    if found:
        raise PdfRejected("active_content",
                          f"PDF 文件包含可执行的活动内容：{'、'.join(found)}。为确保所见即所签，请去除后再上传")


def _catalog_checks(catalog: generic.DictionaryObject, found: dict[str, None]) -> None:
    names = _deref(catalog.get("/Names"))
    if isinstance(names, generic.DictionaryObject) and "/JavaScript" in names:
        found["文档级 JavaScript（/Names /JavaScript）"] = None
    form = _deref(catalog.get("/AcroForm"))
    if isinstance(form, generic.DictionaryObject) and "/XFA" in form:
        found["XFA 动态表单（/AcroForm /XFA）"] = None
    if "/OpenAction" in catalog:
        action = _deref(catalog.get("/OpenAction"))
        if isinstance(action, generic.DictionaryObject) and str(action.get("/S")) in _ACTIONS:
            found["打开文档时自动执行的动作（/OpenAction）"] = None


def _deref(value: generic.PdfObject | None) -> generic.PdfObject | None:
    try:
        return value.get_object() if isinstance(value, generic.IndirectObject) else value
    except Exception:
        return None


def _visit(obj: generic.PdfObject, found: dict[str, None], depth: int) -> None:
    """Direct objects nested in ``obj``; indirect ones are visited on their own."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(obj, generic.DictionaryObject):  # streams are dictionaries too
        _check_dict(obj, found)
        for key, value in obj.items():
            if key == "/Parent" or isinstance(value, generic.IndirectObject):
                continue
            _visit(value, found, depth + 1)
    elif isinstance(obj, generic.ArrayObject):
        for value in obj:
            if not isinstance(value, generic.IndirectObject):
                _visit(value, found, depth + 1)


def _check_dict(d: generic.DictionaryObject, found: dict[str, None]) -> None:
    if "/AA" in d:
        found["附加动作（/AA）"] = None
    if "/JS" in d:
        found["JavaScript 脚本"] = None
    action = d.get("/S") if "/S" in d else None
    if action is not None and str(action) in _ACTIONS and _looks_like_action(d):
        found[_ACTIONS[str(action)]] = None
    if str(d.get("/Type")) == "/Annot" or "/Subtype" in d:
        subtype = str(d.get("/Subtype"))
        if subtype in _ANNOTATIONS and (str(d.get("/Type")) == "/Annot" or "/Rect" in d):
            found[_ANNOTATIONS[subtype]] = None


def _looks_like_action(d: generic.DictionaryObject) -> bool:
    # /S also names a structure element's type and a transition style; an action has /Type /Action or
    # none, and never a structure element's /P or /K.
    kind = d.get("/Type")
    return (kind is None or str(kind) == "/Action") and "/K" not in d

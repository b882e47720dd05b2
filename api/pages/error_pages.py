"""The Chinese error pages (403/404/500 …) of every HTML request, inside the frame when someone is logged in.

API requests keep their JSON errors (api/errors.py decides which a request is)."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response

from .frame import render_page

TITLES = {400: "请求有误", 401: "请先登录", 403: "无权访问", 404: "页面不存在", 405: "不支持的请求方法",
          409: "操作冲突", 410: "页面已失效", 413: "上传的文件过大", 429: "操作过于频繁", 500: "服务器内部错误"}
MESSAGES = {400: "请求有误，请返回后重试。", 401: "请先登录后再访问此页面。", 403: "您的账号无权访问此页面。",
            404: "您访问的页面不存在，或者您无权查看。", 405: "不支持此请求方法。",
            409: "操作与当前状态冲突，请刷新后重试。", 410: "页面已失效。", 413: "上传的文件过大。",
            429: "操作过于频繁，请稍后再试。", 500: "服务器出了点问题，我们已记录，请稍后再试。"}


def error_page(status: int, message: str | None = None, active: str | None = None,
               trail: list[Any] | None = None) -> Response:
    """The page for ``status``: its Chinese title, ``message`` (or the status's own words) and a way home;
    ``active`` and ``trail`` keep the menu entry and breadcrumb of the page that failed."""
    title = TITLES.get(status, "出错了")
    html = render_page("error.html", active, trail if trail is not None else [title], status=status, title=title,
                       message=message or MESSAGES.get(status, "出错了，请稍后再试。"))
    return make_response(html, status)

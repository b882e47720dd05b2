"""`signer-app`: the reference APP on the command line (login, certificates, scan-to-sign).

Exit codes: 0 done, 1 refused (by the server or a local check; `错误: <message> (<code>)` on stderr),
2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .client import AppClient, decode_qr_image
from .errors import AppError
from .storage import Storage, default_home

SERVER_ENV = "SIGNER_APP_SERVER"
DEFAULT_SERVER = "http://127.0.0.1:5000"

BEIJING = timezone(timedelta(hours=8), "CST")  # the APP shows what the member center shows: 北京时间

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad or missing input from the user (exit code 2)."""


# --- small helpers ---------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table whose columns line up with Chinese (double-width) characters too."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [_width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _width(value))
    lines = ["  ".join(_pad(h, widths[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_pad(v, widths[i]) for i, v in enumerate(row)).rstrip() for row in cells)
    return "\n".join(lines)


def beijing_time(value: Any) -> str:
    """An ISO time from the server as ``2030-01-01 08:00:00（北京时间）``; anything else is shown as given."""
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"


class Passwords:
    """Where passwords come from: one line each from stdin (`--password-stdin`), or getpass prompts."""

    def __init__(self, from_stdin: bool, prompt: Callable[[str], str] = getpass.getpass) -> None:
        self.from_stdin = from_stdin
        self.prompt = prompt

    def read(self, prompt: str) -> str:
        if self.from_stdin:
            line = sys.stdin.readline()
            if not line:
                raise UsageError("标准输入中没有密码")
            return line.rstrip("\r\n")
        return self.prompt(prompt)

    def read_new(self, prompt: str) -> str:
        """A new password: asked twice interactively, one line from stdin."""
        first = self.read(prompt)
        if not self.from_stdin and self.prompt("再次输入新的签名密码: ") != first:
            raise UsageError("两次输入的密码不一致")
        return first


def _confirm(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes", "是")


def _resolve_server(args: argparse.Namespace, home: Path) -> str:
    if args.server:
        return str(args.server)
    if os.environ.get(SERVER_ENV):
        return os.environ[SERVER_ENV]
    try:
        stored = Storage(home).load_state().get("server_url")
    except AppError:
        stored = None
    return stored if isinstance(stored, str) and stored else DEFAULT_SERVER


# --- commands --------------------------------------------------------------------------------------


def cmd_login(client: AppClient, args: argparse.Namespace) -> int:
    password = Passwords(args.password_stdin).read(f"{args.username} 的登录密码: ")
    answer = client.login(args.username, password)
    account = answer.get("account") or {}
    enterprise = account.get("enterprise")
    if isinstance(enterprise, dict):
        enterprise = enterprise.get("name")
    print(f"已登录: {account.get('name') or account.get('username') or args.username}"
          + (f"（{enterprise}）" if enterprise else ""))
    print(f"设备: {client.device_id}")
    return EXIT_OK


def cmd_logout(client: AppClient, args: argparse.Namespace) -> int:
    client.logout()
    print("已退出登录")
    return EXIT_OK


def cmd_info(client: AppClient, args: argparse.Namespace) -> int:
    state = client.storage.load_state()
    print(f"服务器: {client.server_url}")
    print(f"本机目录: {client.home}")
    print(f"设备编号: {client.device_id}")
    print(f"设备名称: {client.storage.device_name}")
    print(f"登录账号: {client.username or '未登录'}")
    if state.get("server_url") and state.get("server_url") != client.server_url and state.get("token"):
        print(f"（登录令牌属于 {state['server_url']}）")
    directory = client.storage.keystore_dir
    ids = sorted(p.stem for p in directory.glob("*.json")) if directory.is_dir() else []
    print(f"本机密钥: {', '.join(ids) if ids else '无'}")
    return EXIT_OK


_INSTALL = {"download": "下载（新密钥）", "same_key": "安装（沿用本机密钥）"}


def cmd_certs(client: AppClient, args: argparse.Namespace) -> int:
    items = client.enterprise_certificates() if args.enterprise else client.certificates()
    if not items:
        print("没有证书")
        return EXIT_OK
    rows = []
    for item in items:
        cert_id = item.get("id")
        try:
            local = "有" if cert_id is not None and client.has_keystore(cert_id) else "无"
        except AppError:
            local = "无"
        rows.append([cert_id, item.get("status_label") or item.get("status"), item.get("bound_account") or "未绑定",
                     item.get("serial"), beijing_time(item.get("not_after")), item.get("remaining"), local,
                     _INSTALL.get(item.get("install") or "", "")])
    print(format_table(["ID", "状态", "绑定账号", "序列号", "有效期至", "剩余次数", "本机密钥", "待办"], rows))
    return EXIT_OK


def cmd_install(client: AppClient, args: argparse.Namespace) -> int:
    """H2 for a renewed / changed / extended certificate: the same key, re-sealed for the new serial."""
    password = Passwords(args.password_stdin).read("签名密码: ")
    result = client.install_certificate(args.cert_id, password)
    print(f"证书已安装（沿用原证书 {result['predecessor_id']} 的密钥）")
    print(f"序列号: {result['serial']}")
    print(f"有效期至: {beijing_time(result['not_after'])}")
    return EXIT_OK


def _on_off(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def cmd_seals(client: AppClient, args: argparse.Namespace) -> int:
    """H4 分配印章 (administrators): show, or give (on) / take back (off) each seal."""
    wanted = {k: v for k, v in (("company", _on_off(args.company)), ("legal_rep", _on_off(args.legal_rep)),
                                ("handwritten", _on_off(args.handwritten))) if v is not None}
    result = client.assign_seals(args.cert_id, **wanted) if wanted else client.seals(args.cert_id)
    labels = {"company": "企业公章", "legal_rep": "法人章", "handwritten": "手写签名"}
    print("  ".join(f"{label}: {'已分配' if result.get(key) else '未分配'}" for key, label in labels.items()))
    return EXIT_OK


def cmd_unbind(client: AppClient, args: argparse.Namespace) -> int:
    """H6 解绑, after a second confirmation."""
    if not args.yes and not _confirm(f"解绑后将无法使用证书 {args.cert_id} 签章，确认解绑? [y/N] "):
        print("已取消解绑")
        return EXIT_OK
    result = client.unbind(args.cert_id, confirm=True)
    print(f"已解绑；证书 {result.get('id')} 待绑定操作员")
    return EXIT_OK


def cmd_operators(client: AppClient, args: argparse.Namespace) -> int:
    rows = [[o.get("id"), o.get("username"), o.get("name"), o.get("phone")] for o in client.operators()]
    print(format_table(["ID", "账号", "姓名", "联系方式"], rows) if rows else "没有可绑定的操作员")
    return EXIT_OK


def cmd_bind(client: AppClient, args: argparse.Namespace) -> int:
    """H7 绑定: choose an operator (by --operator, or from the list)."""
    operators = client.operators()
    if args.operator:
        chosen = next((o for o in operators if o.get("username") == args.operator), None)
        if chosen is None:
            raise UsageError(f"没有可绑定的操作员 {args.operator}")
    else:
        if not operators:
            raise UsageError("没有可绑定的操作员")
        print("请选择操作员绑定证书:")
        for i, o in enumerate(operators, start=1):
            print(f"  {i}. {o.get('name')}（{o.get('username')}）")
        try:
            chosen = operators[int(input("序号: ").strip()) - 1]
        except (ValueError, IndexError, EOFError):
            raise UsageError("请输入列表中的序号") from None
    result = client.bind(args.cert_id, chosen["id"])
    print(f"证书 {result.get('id')} 已绑定 {result.get('bound_account')}；请该操作员在APP中下载证书")
    return EXIT_OK


def cmd_download(client: AppClient, args: argparse.Namespace) -> int:
    password = Passwords(args.password_stdin).read_new("设置签名密码: ")
    print("正在生成密钥并下载证书…", file=sys.stderr)
    result = client.download_certificate(args.cert_id, password)
    print("证书已下载到本机")
    print(f"序列号: {result['serial']}")
    print(f"主题: {result['subject']}")
    print(f"有效期至: {beijing_time(result['not_after'])}")
    return EXIT_OK


def cmd_passwd(client: AppClient, args: argparse.Namespace) -> int:
    passwords = Passwords(args.password_stdin)
    old = passwords.read("原签名密码: ")
    new = passwords.read_new("新的签名密码: ")
    client.change_password(args.cert_id, old, new)
    print("签名密码已修改")
    return EXIT_OK


def describe_scan(info: dict[str, Any]) -> str:
    """What the phone shows before the user approves."""
    cert = info.get("certificate") or {}
    lines = [
        f"文件名称: {info.get('title', '')}",
        f"签署企业: {info.get('enterprise', '')}",
        f"页数: {info.get('page_count', '')}",
        f"文件SHA-256: {info.get('document_sha256', '')}",
        f"确认码: {info.get('confirmation_code', '')}（请核对与电脑屏幕上显示的一致）",
        "签章位置:",
    ]
    for i, seal in enumerate(info.get("seals") or [], start=1):
        where = f"第{seal.get('page')}页"
        if seal.get("x") is not None:
            where += f" ({seal.get('x')}, {seal.get('y')}) {seal.get('width')}×{seal.get('height')}"
        if seal.get("field_name"):
            where += f" 签名域 {seal['field_name']}"
        lines.append(f"  {i}. {seal.get('label') or seal.get('seal')}  {where}")
    lines += [
        f"签名证书: {cert.get('serial', '')}  {cert.get('subject', '')}",
        f"电脑: {info.get('pc_ip', '')}  {info.get('pc_user_agent', '')}",
        f"有效期至: {beijing_time(info.get('expires_at'))}",
    ]
    return "\n".join(lines)


def cmd_scan(client: AppClient, args: argparse.Namespace) -> int:
    if args.password_stdin and not (args.yes or args.reject):
        raise UsageError("--password-stdin 需要同时给出 --yes（或 --reject）：标准输入只用于密码")
    payload = args.payload if args.payload is not None else decode_qr_image(args.image)
    info = client.scan(payload)
    try:
        print(describe_scan(info))
        if args.reject or (not args.yes and not _confirm("确认签署? [y/N] ")):
            client.reject()
            print("已拒绝签署")
            return EXIT_OK
        passwords = Passwords(args.password_stdin)
        while True:
            password = passwords.read("签名密码: ")
            try:
                result = client.approve(password)
            except AppError as exc:
                can_retry = client.pending_scan is not None and not args.password_stdin
                if exc.code == "wrong_password" and can_retry:
                    left = f"，还可尝试{exc.remaining}次" if exc.remaining is not None else ""
                    print(f"签名密码错误{left}", file=sys.stderr)
                    continue
                raise
            print(f"签署完成: {result['status']}（{result['rounds']}个签章）")
            return EXIT_OK
    except KeyboardInterrupt:
        if client.pending_scan is not None:
            with contextlib.suppress(AppError):
                client.reject()
        raise
    finally:
        client.close()


def cmd_handwriting(client: AppClient, args: argparse.Namespace) -> int:
    from . import handwriting

    result = (handwriting.set_from_file(client, args.set) if args.set is not None
              else handwriting.current(client))
    if args.out is not None:
        args.out.write_bytes(result["png"])
    print(f"手写签名: {result['width']}×{result['height']}" + (f"，已保存到 {args.out}" if args.out else ""))
    return EXIT_OK


# --- parser and main -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signer-app",
        description="移动证书APP的参考实现：登录、下载证书、扫码签署。",
    )
    parser.add_argument("--server", metavar="URL",
                        help=f"服务器地址（默认 ${SERVER_ENV}，或上次登录的服务器，或 {DEFAULT_SERVER}）")
    parser.add_argument("--home", metavar="DIR", type=Path,
                        help="本机数据目录（默认 $SIGNER_APP_HOME 或 ~/.signer-app）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("login", help="登录（本机设备编号随登录发送）")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（一行）")
    p.set_defaults(func=cmd_login)

    p = sub.add_parser("logout", help="退出登录")
    p.set_defaults(func=cmd_logout)

    p = sub.add_parser("info", help="本机信息：服务器、设备编号、登录账号、本机密钥")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("certs", help="我的证书")
    p.add_argument("--enterprise", action="store_true", help="本企业的全部移动端证书（管理员）")
    p.set_defaults(func=cmd_certs)

    p = sub.add_parser("install", help="安装续签/变更/延长有效期后的证书（沿用本机密钥，输入签名密码）")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取签名密码（一行）")
    p.set_defaults(func=cmd_install)

    p = sub.add_parser("seals", help="分配印章（管理员）：查看，或 on/off 每种印章")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    for flag in ("--company", "--legal-rep", "--handwritten"):
        p.add_argument(flag, choices=["on", "off"])
    p.set_defaults(func=cmd_seals)

    p = sub.add_parser("unbind", help="解绑证书（二次确认）")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    p.add_argument("--yes", "-y", action="store_true", help="不再询问确认")
    p.set_defaults(func=cmd_unbind)

    p = sub.add_parser("operators", help="可绑定证书的操作员")
    p.set_defaults(func=cmd_operators)

    p = sub.add_parser("bind", help="把证书绑定给操作员（管理员）")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    p.add_argument("--operator", metavar="USERNAME", help="操作员账号（不给出则从列表中选择）")
    p.set_defaults(func=cmd_bind)

    p = sub.add_parser("download", help="下载证书到本机并设置签名密码")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取签名密码（一行）")
    p.set_defaults(func=cmd_download)

    p = sub.add_parser("passwd", help="修改签名密码")
    p.add_argument("cert_id", type=int, metavar="CERT_ID")
    p.add_argument("--password-stdin", action="store_true",
                   help="从标准输入读取密码：第一行原密码，第二行新密码")
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("scan", help="扫码签署")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--payload", metavar="TEXT", help="二维码内容")
    source.add_argument("--image", metavar="FILE", type=Path, help="二维码图片（PNG/JPEG）")
    answer = p.add_mutually_exclusive_group()
    answer.add_argument("--yes", "-y", action="store_true", help="不再询问确认")
    answer.add_argument("--reject", action="store_true", help="拒绝签署")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读取签名密码（一行）")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("handwriting", help="设置或查看手写签名")
    p.add_argument("--set", metavar="FILE", type=Path, help="笔迹JSON（[[{x,y,p},…],…]）或透明PNG")
    p.add_argument("--out", metavar="FILE", type=Path, help="把服务器保存的签名图片写到文件")
    p.set_defaults(func=cmd_handwriting)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    home = args.home if args.home is not None else default_home()
    client = AppClient(_resolve_server(args, home), home)
    try:
        code: int = args.func(client, args)
        return code
    except UsageError as exc:
        print(f"错误: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AppError as exc:
        print(f"错误: {exc.message} ({exc.code})", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("\n已取消", file=sys.stderr)
        return EXIT_REFUSED
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())

"""``signer``: the server's administration command (init, serve, pdf-worker, demo, backup, restore,
verify-audit)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path


def _patch_gevent() -> None:
    """Must run before anything imports socket/threading/ssl (``serve`` only)."""
    from gevent import monkey

    monkey.patch_all()


def _step(text: str) -> None:
    """Say what is about to happen before it happens (some steps take a while on a fresh machine)."""
    print(f"… {text}", flush=True)


def cmd_init(args: argparse.Namespace) -> int:
    from signer import migrate
    from signer.app import build_services
    from signer.core import audit
    from signer.core.config import Config, load_secret
    from signer.core.events import NullNotifier
    from signer.demo.seed import DEMO_CREDIT_CODE, DemoAccounts, seed_demo
    from signer.seals.seed_seals import seal_face, seed_demo_seals
    from signer.signing.stamp_fonts import NO_SOURCE, READY, ensure_stamp_fonts

    config = Config()
    print(f"instance: {config.instance_path}")
    services = build_services(config, NullNotifier())
    print(f"database: {services.db.write_engine.url.render_as_string(hide_password=True)}")
    _step("database schema (migrations)")
    migrate.upgrade(services.db)
    with services.db.write() as s:
        audit.ensure_head(s)
    _step("certificate authority (root, issuing CA, OCSP responder, TSA)")
    created = services.ca.initialize(config.organization)
    print("CA: " + ("created" if created else "already present"))
    demo = config.seed_demo and not args.no_demo
    if demo:
        _step("demo enterprise and accounts")
        given = os.environ.get("SIGNER_DEMO_PASSWORD")
        password = given or load_secret(config.instance_path, "demo-password", "SIGNER_DEMO_PASSWORD_HEX", 9).hex()
        kept = "SIGNER_DEMO_PASSWORD" if given else str(config.instance_path / "demo-password.key")
        names = DemoAccounts()
        accounts = f"{names.admin} / {names.operator} / {names.operator2} / {names.reviewer}"
        if seed_demo(services.db, password, config.default_usage_limit):
            print(f"demo accounts: {accounts}, password: {password}")
        else:
            print(f"demo data: already present ({accounts}; the password is in {kept})")
    fonts_state, _ = services.signing.fonts.state()
    if fonts_state == READY:
        print(f"stamp fonts: {config.font_dir}")
    elif fonts_state == NO_SOURCE:
        print("stamp fonts: none (install fonts-noto-cjk): stamps show ASCII text")
    elif args.prepare_fonts:
        _step(f"preparing the seal fonts into {config.font_dir} (once per machine, up to a minute or two)")
        fonts = ensure_stamp_fonts(config, progress=_step)
        print("stamp fonts: " + (str(config.font_dir) if fonts else "none (install fonts-noto-cjk)"))
    else:
        print("stamp fonts: not prepared yet; `signer serve` prepares them in the background (once per machine)")
    if demo:
        _step("demo seals (cut in the serif seal face) and the operator's handwritten signature")
        if seed_demo_seals(services.seals, DEMO_CREDIT_CODE, DemoAccounts().operator):
            face = seal_face()
            print("demo seals: company seal, legal-representative seal (font: "
                  f"{face.path if face else 'none, install fonts-noto-cjk'}), handwritten signature")
        else:
            print("demo seals: already present")
    services.db.dispose()
    print("ready: `signer serve` (or `make run`) serves the pages and the API")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _patch_gevent()
    from signer import migrate
    from signer.app import create_app, start_background_tasks
    from signer.core.config import Config
    from signer.core.errors import NotFound
    from signer.production import ProductionRefused
    from signer.signing.stamp_fonts import PREPARING

    config = Config()
    try:
        app = create_app(config)
    except ProductionRefused as exc:
        print(exc, file=sys.stderr)
        return 2
    services = app.extensions["signer"]
    migrate.upgrade(services.db)
    try:
        services.ca.root  # noqa: B018 - loads the CA, refusing to serve without one
    except NotFound:
        print(f"no CA in {config.instance_path}: run `signer init` first", file=sys.stderr)
        return 2
    start_background_tasks(app)
    state, _ = services.signing.fonts.state()
    if state == PREPARING:
        _step(f"preparing the seal fonts into {config.font_dir} in the background (once per machine, up to a "
              "minute or two); pages are served meanwhile and the first signature waits for them")
    from signer.serving import serve

    logging.getLogger("signer.serve").info("serving on http://%s:%s", args.host, args.port)
    serve(app, args.host, args.port, access_log=args.access_log)
    return 0


def cmd_pdf_worker(args: argparse.Namespace) -> int:
    from signer.core.config import Config
    from signer.core.logging_setup import configure_logging
    from signer.signing.pdf_queue import QUEUES, run_queue_worker

    configure_logging()
    lanes = tuple(lane for lane in QUEUES if lane in args.lanes.split(","))
    if not lanes:
        print(f"--lanes: one or more of {','.join(QUEUES)}", file=sys.stderr)
        return 2
    run_queue_worker(Config(), lanes)
    return 0


def cmd_verify_audit(args: argparse.Namespace) -> int:
    from signer.core.audit import verify_chain
    from signer.core.config import Config, load_secret
    from signer.core.db import Database

    config = Config()
    db = Database(config.sqlalchemy_url, audit_key=load_secret(config.instance_path, "audit", "SIGNER_AUDIT_KEY"))
    with db.read() as s:
        report = verify_chain(s)
    if report.ok:
        print(f"audit chain intact: {report.events} events")
        return 0
    print(f"audit chain BROKEN at event {report.first_bad_seq}: {report.reason}", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from signer.backup import BackupError, create_backup, describe
    from signer.core.config import Config

    try:
        manifest = create_backup(Config(), Path(args.out))
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    info = describe(manifest)
    print(f"backup written: {args.out} ({info['database']}, {info['files']} files, "
          f"secret files: {', '.join(info['secret_files']) or 'none'})")
    if info["environment_secrets"]:
        print("not in the archive (given by environment, keep them safe): " + ", ".join(info["environment_secrets"]))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from signer.backup import BackupError, describe, restore_backup
    from signer.core.config import Config

    config = Config()
    try:
        manifest = restore_backup(config, Path(args.archive), force=args.force)
    except BackupError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    info = describe(manifest)
    print(f"restored backup of {info['created_at']} into {config.instance_path} ({info['database']})")
    if info["environment_secrets"]:
        print("set these as when the backup was made: " + ", ".join(info["environment_secrets"]))
    return 0


def cmd_create_api_client(args: argparse.Namespace) -> int:
    from signer.app import build_services
    from signer.core.config import Config
    from signer.core.events import NullNotifier

    services = build_services(Config(), NullNotifier())
    created = services.business.create_client(args.enterprise_id, args.name)
    print(f"api key (shown once): {created.api_key}")
    print(f"webhook secret (shown once): {created.webhook_secret}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from signer.cli_demo import run_demo

    return run_demo(Path(args.out), keep_server=args.keep)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="signer", description="证书服务与扫码签章 服务端管理")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the instance folder, secrets, schema, CA and demo data")
    p.add_argument("--no-demo", action="store_true", help="do not seed the demo enterprise")
    p.add_argument("--prepare-fonts", action="store_true",
                   help="prepare the seal fonts now (else `signer serve` does it in the background)")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("serve", help="run the server (gevent, Socket.IO)")
    p.add_argument("--host", default=os.environ.get("SIGNER_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("SIGNER_PORT", "5000")))
    p.add_argument("--access-log", action="store_true")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("pdf-worker", help="answer PDF jobs from the task queue (SIGNER_PDF_QUEUE=redis://…)")
    p.add_argument("--lanes", default="signing,bulk", help="which queues to answer (signing, bulk or both)")
    p.set_defaults(func=cmd_pdf_worker)
    p = sub.add_parser("demo", help="run the whole scan-to-sign loop against a fresh server")
    p.add_argument("--out", required=True, help="folder for qr.png, signed.pdf, root-ca.pem, summary.json")
    p.add_argument("--keep", action="store_true", help="keep the temporary instance folder")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("create-api-client", help="register a business system (API key + webhook secret)")
    p.add_argument("--enterprise-id", type=int, required=True)
    p.add_argument("--name", required=True, help="e.g. 询价交易")
    p.set_defaults(func=cmd_create_api_client)
    p = sub.add_parser("backup", help="database, blobs and secret files into one tar.gz (keep it safe)")
    p.add_argument("--out", required=True, help="the archive to write (mode 0600)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into an empty instance (and database)")
    p.add_argument("archive")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty instance folder / database")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("verify-audit", help="check the audit hash chain")
    p.set_defaults(func=cmd_verify_audit)
    return parser


def main(argv: list[str] | None = None) -> int:
    from signer.core.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

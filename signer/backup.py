"""``signer backup`` / ``signer restore``: the database, the blobs and the instance's secret files in one
tar.gz, with a manifest holding each member's SHA-256.

Members: ``manifest.json``; ``database/signer.sqlite`` (SQLite online backup) or ``database/signer.pgdump``
(``pg_dump --format=custom``); ``blobs/…``; ``instance/…`` (every other file of the instance folder: the
master key, the Flask secret, payment/SMS keys and any secret file added later; not the database, blobs,
logs or temporary files). The archive holds the keys that decrypt the CA: it is written 0600.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from signer.core.config import Config
from signer.core.db import Database

FORMAT = "signer-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/signer.sqlite"
PGDUMP_MEMBER = "database/signer.pgdump"
# Secrets an operator may give by environment instead of a file: the backup names (never holds) the ones
# that were set, so that restore can remind the operator to set them again.
SECRET_ENVIRONMENT = ("SIGNER_MASTER_KEY", "SIGNER_SECRET_KEY", "SIGNER_PAYMENT_SECRET", "SIGNER_SMS_KEY")
_SKIP_SUFFIXES = (".log", ".tmp", ".temp", ".part", ".swp", ".pid", ".lock")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why (shown to the operator)."""


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database: str
    members: dict[str, str]
    environment_secrets: list[str]

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, "version": VERSION, "created_at": self.created_at,
                           "database": self.database, "members": self.members,
                           "environment_secrets": self.environment_secrets},
                          indent=2, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        body = json.loads(data)
        if body.get("format") != FORMAT or body.get("version") != VERSION:
            raise BackupError(f"不是本服务的备份文件（或版本不支持）: {body.get('format')} v{body.get('version')}")
        return cls(body["created_at"], body["database"], dict(body["members"]), list(body["environment_secrets"]))


# -- what belongs to an instance ---------------------------------------------------------------------------

def _is_database_file(path: Path) -> bool:
    return path.name.startswith("signer.db")  # the SQLite file and its -wal / -shm companions


def instance_files(config: Config) -> Iterator[tuple[str, Path]]:
    """Every file of the instance folder except the database, blobs, logs and temporary files."""
    root = config.instance_path
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.is_symlink() or rel.parts[0] in ("blobs", "tmp", "temp", "logs"):
            continue
        if path.name.startswith(".") or path.name.endswith(_SKIP_SUFFIXES) or _is_database_file(path):
            continue
        yield f"instance/{rel.as_posix()}", path


def blob_files(config: Config) -> Iterator[tuple[str, Path]]:
    root = config.blob_path
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.name.endswith(_SKIP_SUFFIXES):
            yield f"blobs/{path.relative_to(root).as_posix()}", path


def _libpq(config: Config) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes to PGPASSWORD, not the process list)."""
    url = make_url(config.sqlalchemy_url)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"找不到 {command[0]}（请安装 postgresql-client）")
    done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed programs
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败: {done.stderr.strip()[-2000:]}")


# -- backup ------------------------------------------------------------------------------------------------

class _Hashing(io.RawIOBase):
    """Reads a file while hashing exactly the bytes that go into the archive."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path, members: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mode = 0o600
    info.mtime = int(path.stat().st_mtime)
    with path.open("rb") as fh:
        reader = _Hashing(fh)
        tar.addfile(info, reader)
    members[name] = reader.sha.hexdigest()


def _dump_database(config: Config, workdir: Path) -> tuple[str, str, Path]:
    if config.sqlalchemy_url.startswith("sqlite"):
        source = Path(make_url(config.sqlalchemy_url).database or "")
        if not source.is_file():
            raise BackupError(f"数据库文件不存在: {source}")
        target = workdir / "signer.sqlite"
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            with dst:
                src.backup(dst)  # a consistent copy while the service keeps writing
        finally:
            dst.close()
            src.close()
        return "sqlite", SQLITE_MEMBER, target
    url, env = _libpq(config)
    target = workdir / "signer.pgdump"
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", url], env)
    return "postgresql", PGDUMP_MEMBER, target


def create_backup(config: Config, out: Path) -> Manifest:
    """Write the archive to ``out`` (0600); the database first, so blobs it names are in the archive."""
    out = out.resolve()
    members: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="signer-backup-") as tmp:
        kind, db_member, dump = _dump_database(config, Path(tmp))
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            _add(tar, db_member, dump, members)
            for name, path in (*blob_files(config), *instance_files(config)):
                if path.resolve() == out:
                    continue
                _add(tar, name, path, members)
            manifest = Manifest(datetime.now(UTC).isoformat(timespec="seconds"), kind, members,
                                [name for name in SECRET_ENVIRONMENT if os.environ.get(name)])
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
    return manifest


# -- restore -----------------------------------------------------------------------------------------------

def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"备份文件含有非法路径: {name}")
    if name != MANIFEST and path.parts[0] not in ("database", "blobs", "instance"):
        raise BackupError(f"备份文件含有未知成员: {name}")
    return path


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, mode="r:gz") as tar:
        try:
            member = tar.getmember(MANIFEST)
        except KeyError:
            raise BackupError("备份文件缺少 manifest.json") from None
        fh = tar.extractfile(member)
        assert fh is not None
        return Manifest.from_json(fh.read())


def verify_archive(archive: Path) -> Manifest:
    """Every member is a regular file at a safe path, listed in the manifest with the right SHA-256."""
    manifest = read_manifest(archive)
    seen: set[str] = set()
    with tarfile.open(archive, mode="r:gz") as tar:
        for member in tar:
            _safe_name(member.name)
            if member.name == MANIFEST:
                continue
            if not member.isfile():
                raise BackupError(f"备份文件含有非普通文件: {member.name}")
            if member.name not in manifest.members:
                raise BackupError(f"备份文件含有清单之外的成员: {member.name}")
            sha = hashlib.sha256()
            fh = tar.extractfile(member)
            assert fh is not None
            while chunk := fh.read(_CHUNK):
                sha.update(chunk)
            if sha.hexdigest() != manifest.members[member.name]:
                raise BackupError(f"校验失败（文件被改动或损坏）: {member.name}")
            seen.add(member.name)
    missing = set(manifest.members) - seen
    if missing:
        raise BackupError(f"备份文件缺少成员: {', '.join(sorted(missing))}")
    return manifest


def _postgres_has_tables(config: Config) -> bool:
    db = Database(config.sqlalchemy_url)
    try:
        return bool(inspect(db.write_engine).get_table_names())
    finally:
        db.dispose()


def target_problems(config: Config, manifest: Manifest) -> list[str]:
    """Why restoring here would overwrite something (each is waived by ``--force``)."""
    problems = []
    root = config.instance_path
    if root.is_dir() and any(root.iterdir()):
        problems.append(f"实例目录不为空: {root}")
    if manifest.database == "postgresql" and _postgres_has_tables(config):
        problems.append("目标 PostgreSQL 数据库不为空")
    return problems


def _write(path: Path, source: IO[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".restore.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        shutil.copyfileobj(source, fh, _CHUNK)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def restore_backup(config: Config, archive: Path, force: bool = False) -> Manifest:
    """Check the archive, then put database, blobs and secret files into this (empty) instance."""
    manifest = verify_archive(archive)
    is_sqlite = config.sqlalchemy_url.startswith("sqlite")
    if (manifest.database == "sqlite") != is_sqlite:
        raise BackupError(f"备份的数据库是 {manifest.database}，而当前配置的是 "
                          f"{'SQLite' if is_sqlite else 'PostgreSQL'}（DATABASE_URL）")
    problems = target_problems(config, manifest)
    if problems and not force:
        raise BackupError("拒绝覆盖（确认要覆盖请加 --force）: " + "；".join(problems))
    config.instance_path.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tarfile.open(archive, mode="r:gz") as tar, tempfile.TemporaryDirectory(prefix="signer-restore-") as tmp:
        for member in tar:
            if member.name == MANIFEST:
                continue
            path = _safe_name(member.name)
            source = tar.extractfile(member)
            assert source is not None
            rel = Path(*path.parts[1:])
            if path.parts[0] == "instance":
                _write(config.instance_path / rel, source)
            elif path.parts[0] == "blobs":
                _write(config.blob_path / rel, source)
            elif member.name == SQLITE_MEMBER:
                target = Path(make_url(config.sqlalchemy_url).database or "")
                for companion in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
                    companion.unlink(missing_ok=True)
                _write(target, source)
            elif member.name == PGDUMP_MEMBER:
                dump = Path(tmp) / "signer.pgdump"
                _write(dump, source)
                url, env = _libpq(config)
                _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                      "--exit-on-error", f"--dbname={url}", str(dump)], env)
    return manifest


def describe(manifest: Manifest) -> dict[str, Any]:
    """What the command line prints after a backup or restore."""
    return {"created_at": manifest.created_at, "database": manifest.database,
            "files": len(manifest.members),
            "secret_files": sorted(n.removeprefix("instance/") for n in manifest.members if n.startswith("instance/")),
            "environment_secrets": manifest.environment_secrets}

"""Configuration from environment variables, with defaults for the embedded set-up."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from signer.applications.settings import LifecycleSettings


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


class ConfigError(ValueError):
    """A setting the service cannot run with; the message names the variable and what it accepts."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from None


MAX_NICE = 19  # the lowest scheduling priority on Linux


@dataclass
class Config:
    """Everything the service reads from its environment (prefix ``SIGNER_`` unless standard)."""

    instance_path: Path = field(default_factory=lambda: Path(_env("SIGNER_INSTANCE", "instance")).resolve())
    database_url: str = field(default_factory=lambda: _env("DATABASE_URL", ""))
    redis_url: str = field(default_factory=lambda: _env("SIGNER_REDIS_URL", ""))
    base_url: str = field(default_factory=lambda: _env("SIGNER_BASE_URL", "http://127.0.0.1:5000"))
    organization: str = field(default_factory=lambda: _env("SIGNER_CA_ORGANIZATION", "阳光七采电子认证"))
    qr_scheme: str = field(default_factory=lambda: _env("SIGNER_QR_SCHEME", "ygqc"))
    session_ttl_seconds: int = field(default_factory=lambda: _env_int("SIGNER_SESSION_TTL", 300))
    qr_step_seconds: int = field(default_factory=lambda: _env_int("SIGNER_QR_STEP", 2))
    qr_window_steps: int = field(default_factory=lambda: _env_int("SIGNER_QR_WINDOW", 3))
    max_pdf_bytes: int = field(default_factory=lambda: _env_int("SIGNER_MAX_PDF_BYTES", 20 * 1024 * 1024))
    signing_workers: int = field(default_factory=lambda: _env_int("SIGNER_SIGNING_WORKERS", 2))
    pdf_timeout_seconds: int = field(default_factory=lambda: _env_int("SIGNER_PDF_TIMEOUT", 120))
    # Uploads, previews and verification run in their own lane of workers (issue 9 row 4).
    bulk_workers: int = field(default_factory=lambda: _env_int("SIGNER_BULK_WORKERS", 2))
    bulk_timeout_seconds: int = field(default_factory=lambda: _env_int("SIGNER_BULK_PDF_TIMEOUT", 30))
    pdf_memory_mb: int = field(default_factory=lambda: _env_int("SIGNER_PDF_MEMORY_MB", 1024))
    # How much lower the PDF worker processes are scheduled than the process that starts them (nice
    # increments, 0-19; docs/deployment.md): uploads and verification yield the CPU to the web process and
    # to signing rounds. The signing lane stays at 0 by default: a person waits for its rounds too, and on
    # two cores lowering it slowed rounds more than it sped up pushes (bench/README.md).
    pdf_nice: int = field(default_factory=lambda: _env_int("SIGNER_PDF_NICE", 0))
    bulk_pdf_nice: int = field(default_factory=lambda: _env_int("SIGNER_BULK_PDF_NICE", 10))
    # redis://…: PDF jobs go to a task queue answered by `signer pdf-worker` processes (any machine);
    # empty: this process's own worker processes (the embedded default).
    pdf_queue_url: str = field(default_factory=lambda: _env("SIGNER_PDF_QUEUE", ""))
    uploads_per_enterprise: int = field(default_factory=lambda: _env_int("SIGNER_UPLOADS_PER_ENTERPRISE", 2))
    certificate_years: int = field(default_factory=lambda: _env_int("SIGNER_CERT_YEARS", 1))
    default_usage_limit: int = field(default_factory=lambda: _env_int("SIGNER_USAGE_LIMIT", 1000))
    allowed_origins: list[str] = field(
        default_factory=lambda: [o for o in _env("SIGNER_ALLOWED_ORIGINS", "").split(",") if o]
    )
    seed_demo: bool = field(default_factory=lambda: _env("SIGNER_SEED_DEMO", "1") == "1")
    secure_cookies: bool = field(default_factory=lambda: _env("SIGNER_SECURE_COOKIES", "0") == "1")
    webhook_allow_private: bool = field(default_factory=lambda: _env("SIGNER_WEBHOOK_ALLOW_PRIVATE", "0") == "1")
    webhook_backoff_scale: float = field(default_factory=lambda: float(_env("SIGNER_WEBHOOK_BACKOFF_SCALE", "1")))
    # Seal appearances: the CJK font collection to prepare from (Debian fonts-noto-cjk by default), and
    # where the prepared faces live (default: the user's cache folder, see font_dir).
    stamp_font_source: str = field(default_factory=lambda: _env("SIGNER_STAMP_FONT", ""))
    font_dir_override: str = field(default_factory=lambda: _env("SIGNER_FONT_DIR", ""))
    # The certificate lifecycle (prices, renewal window, SMS, uploads): signer/applications/settings.py.
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)

    def __post_init__(self) -> None:
        for name, value in (("SIGNER_PDF_NICE", self.pdf_nice), ("SIGNER_BULK_PDF_NICE", self.bulk_pdf_nice)):
            if not 0 <= value <= MAX_NICE:
                raise ConfigError(f"{name} must be a nice increment from 0 to {MAX_NICE} (how much lower than the "
                                  f"web process its PDF workers run), not {value}")
        if self.bulk_pdf_nice < self.pdf_nice:
            raise ConfigError(f"SIGNER_BULK_PDF_NICE ({self.bulk_pdf_nice}) must be at least SIGNER_PDF_NICE "
                              f"({self.pdf_nice}): uploads and verification must not outrank signing rounds")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            url = self.database_url
            if url.startswith("postgres://"):
                url = "postgresql://" + url.removeprefix("postgres://")
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
            return url
        return f"sqlite:///{self.instance_path / 'signer.db'}"

    @property
    def blob_path(self) -> Path:
        return self.instance_path / "blobs"

    @property
    def font_dir(self) -> Path:
        """Prepared stamp fonts depend only on the source font, so instances on a machine share them."""
        if self.font_dir_override:
            return Path(self.font_dir_override)
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "signer" / "stamp-fonts"

    def origins(self) -> list[str] | None:
        """Allowed browser origins for sockets; None means the server's own origin only."""
        return self.allowed_origins or None


def load_secret(instance_path: Path, name: str, env_name: str, nbytes: int = 32) -> bytes:
    """A secret from the environment (hex) or from the instance folder, created there on first use."""
    raw = os.environ.get(env_name)
    if raw:
        return bytes.fromhex(raw)
    path = instance_path / f"{name}.key"
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(nbytes)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as fh:
        fh.write(value.hex())
    return value

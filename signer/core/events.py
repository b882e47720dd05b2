"""Domain events leave the domain through this small interface; realtime/ implements it."""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    def session_changed(self, session_id: str, state: dict[str, Any]) -> None:
        """A signing session's public state changed (after the change was committed)."""

    def signing_progress(self, progress: Any) -> None:
        """A signing session started a phase (``signer.signing.progress.SigningProgress``); nothing is stored."""


class NullNotifier:
    def session_changed(self, session_id: str, state: dict[str, Any]) -> None:
        return None

    def signing_progress(self, progress: Any) -> None:
        return None


class RecordingNotifier:
    """Keeps what it was told; for tests of the domain without sockets."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.progress: list[Any] = []

    def session_changed(self, session_id: str, state: dict[str, Any]) -> None:
        self.events.append((session_id, state))

    def signing_progress(self, progress: Any) -> None:
        self.progress.append(progress)

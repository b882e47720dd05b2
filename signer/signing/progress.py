"""What a signing session is doing between 签署中 and 已签署 (Issue 11 item 5), for the PC page.

A round's state (which seal) is in the database; the phases inside a round or after the last one (the
timestamp, the long-term validation data) are only announced as they start, through the notifier."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from signer.signing.enums import PadesLevel


class Phase(enum.StrEnum):
    SEAL = "seal"  # waiting for the phone's signature value of this seal, then embedding it
    TIMESTAMP = "timestamp"  # this seal's signature timestamp is being obtained
    LONG_TERM = "long_term"  # the DSS (B-LT) and the document timestamp (B-LTA) after the last seal


@dataclass(frozen=True)
class SigningProgress:
    session_id: str
    seal: int  # 1-based: the seal being worked on
    total: int
    phase: Phase
    pades_level: PadesLevel

"""What one DMS import did: rows read, created, unchanged, refused, points and tiers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0  # members, cars or visits new in the database
    unchanged: int = 0  # already there (a re-import, or a duplicate row)
    errors: int = 0  # refused rows
    warnings: int = 0  # imported rows with a doubt worth a look (not refused)
    points: int = 0
    tiers_set: int = 0
    seconds: float = 0.0
    longest_batch_seconds: float = 0.0  # the longest batch transaction (write lock held)
    batches: int = 0  # batch transactions
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

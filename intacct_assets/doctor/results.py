"""What a doctor check found: pass / warn / fail / skip, what it saw, and the fix in one line."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class CheckResult:
    """One finding. ``subject`` names what within the check it is about (an object, an entity), if anything."""

    status: Status
    found: str
    fix: str = ""
    subject: str = ""
    check: str = ""  # filled in by the runner: the check function's name


def passed(found: str, subject: str = "") -> CheckResult:
    return CheckResult("pass", found, subject=subject)


def warned(found: str, fix: str, subject: str = "") -> CheckResult:
    return CheckResult("warn", found, fix, subject)


def failed(found: str, fix: str, subject: str = "") -> CheckResult:
    return CheckResult("fail", found, fix, subject)


def skipped(found: str, fix: str = "", subject: str = "") -> CheckResult:
    return CheckResult("skip", found, fix, subject)


class CheckSkipped(Exception):
    """Raised by a check (or a helper it uses) that cannot run: its settings are absent, or what it needs
    failed in an earlier check. The runner turns it into a ``skip`` result."""

    def __init__(self, found: str, fix: str = "") -> None:
        super().__init__(found)
        self.found, self.fix = found, fix


@dataclass(frozen=True)
class DoctorReport:
    results: list[CheckResult]
    seconds: float

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(result.status for result in self.results)
        return {status: counted.get(status, 0) for status in STATUSES}

    @property
    def failed(self) -> bool:
        return any(result.status == "fail" for result in self.results)

    def of(self, check: str, subject: str | None = None) -> list[CheckResult]:
        """The results of one check (of one subject of it)."""
        return [r for r in self.results if r.check == check and (subject is None or r.subject == subject)]

    def summary(self) -> str:
        counts = self.counts
        return ", ".join(f"{counts[status]} {status}" for status in STATUSES) + f" in {self.seconds:.1f} s"

    def as_dict(self) -> dict[str, object]:
        return {
            "failed": self.failed,
            "counts": self.counts,
            "seconds": round(self.seconds, 3),
            "results": [asdict(result) for result in self.results],
        }

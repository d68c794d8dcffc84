"""Input errors that name the file, line and field, collected rather than raised one by one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class InputIssue:
    """One problem in a user's input file."""

    file: str
    line: int | None
    field: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = f" {self.field}:" if self.field else ""
        tag = "" if self.severity == "error" else f" [{self.severity}]"
        return f"{where}:{tag}{what} {self.message}"


class InputError(Exception):
    """Raised when input files are invalid; carries every problem found.

    The CLI prints one line per issue and exits with status 2.
    """

    def __init__(self, issues: list[InputIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))

    @classmethod
    def single(cls, file: str | Path, message: str, line: int | None = None,
               field: str | None = None) -> InputError:
        return cls([InputIssue(str(file), line, field, message)])

"""The one error a homework file can raise: it names the file, the problem and the key."""

from __future__ import annotations

from pathlib import Path


class HomeworkFileError(ValueError):
    """An unreadable answers file or problem.json. ``str()`` is one line:
    ``FILE: [PROBLEM] KEY: what is wrong`` (the parts that apply)."""

    def __init__(self, path: str | Path, message: str, problem: str | None = None,
                 key: str | None = None) -> None:
        self.path, self.problem, self.key, self.message = str(path), problem, key, message
        where = " ".join(part for part in (f"[{problem}]" if problem else "",
                                           f"{key}:" if key else "") if part)
        super().__init__(f"{self.path}: {where + ' ' if where else ''}{message}")

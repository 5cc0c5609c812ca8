"""Progress on stderr for the steps of an audit, so a 40-second run is never silent.

Shown with tqdm (one line, redrawn in place) only when stderr is a terminal and ``--quiet``
was not given: logs, pipes and CI output stay clean.  tqdm is imported only when shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Progress:
    """A step counter: ``with progress.step("Measuring"): ...`` for each step.

    >>> p = Progress(total=2, enabled=False)
    >>> with p.step("Reading"):
    ...     pass
    >>> p.done
    1
    """

    def __init__(self, total: int, enabled: bool | None = None, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.done = 0
        self.total = total
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, leave=False,
                             bar_format="{desc} ({elapsed})")

    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        if self._bar is not None:
            self._bar.set_description_str(f"[{self.done + 1}/{self.total}] {label}…")
        try:
            yield
        finally:
            self.done += 1
            if self._bar is not None:
                self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

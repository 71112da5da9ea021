"""``-`` as a scenario file: the scenario YAML read from standard input.

Commands pass scenario paths on (to worker processes, into run folders, to the reference
service), so standard input is read once per process and kept in a temporary file that lives
until the process ends; every later ``-`` in the same process means that same file.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["STDIN", "stdin_scenario_path"]

STDIN = "-"
_read: list[tuple[Any, Path]] = []  # (the stdin object read, the file holding what it gave)


def stdin_scenario_path() -> Path:
    """A file holding the scenario read from standard input (read once per stdin object)."""
    if _read and _read[-1][0] is sys.stdin:
        return _read[-1][1]
    folder = Path(tempfile.mkdtemp(prefix="slotgrab-stdin-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "stdin.yaml"
    path.write_text(sys.stdin.read(), encoding="utf-8")
    _read.append((sys.stdin, path))
    return path

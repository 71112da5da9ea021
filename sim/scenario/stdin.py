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

__all__ = ["STDIN", "stdin_scenario_path"]

STDIN = "-"
_cache: list[Path] = []


def stdin_scenario_path() -> Path:
    """A file holding the scenario read from standard input (read on the first call)."""
    if not _cache:
        folder = Path(tempfile.mkdtemp(prefix="slotgrab-stdin-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "stdin.yaml"
        path.write_text(sys.stdin.read(), encoding="utf-8")
        _cache.append(path)
    return _cache[0]

"""A throwaway PostgreSQL server from Debian's packages, for tests and benchmarks.

``initdb`` + ``pg_ctl`` in a temporary directory, listening on 127.0.0.1 only, on a free port,
trust auth for the local superuser; stopped (``pg_ctl stop -m fast``) and deleted afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["find_pg_bin", "temporary_cluster"]


def find_pg_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` with initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    for initdb in reversed(found):
        bin_dir = Path(initdb).parent
        if (bin_dir / "pg_ctl").exists():
            return bin_dir
    return None


@contextmanager
def temporary_cluster(port: int, bin_dir: Path | None = None) -> Iterator[str]:
    """Run a private PostgreSQL on ``port``; yields its URL (database ``slotgrab``)."""
    bin_dir = bin_dir or find_pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)")
    root = Path(tempfile.mkdtemp(prefix="slotgrab-pg-"))
    data = root / "data"
    env = dict(os.environ)
    run_as: dict[str, object] = {}
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as "postgres" (Debian's user)
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    try:
        subprocess.run([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                        "--no-sync"], check=True, env=env, **quiet, **run_as)  # type: ignore[call-overload]
        opts = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
                "-c fsync=on -c max_connections=200 -c shared_buffers=128MB")
        subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"),
                        "-w", "start"], check=True, env=env, **quiet, **run_as)  # type: ignore[call-overload]
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "slotgrab"], check=True, env=env, **quiet, **run_as)  # type: ignore[call-overload]
        yield f"postgresql://postgres@127.0.0.1:{port}/slotgrab"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                           env=env, **quiet, **run_as)  # type: ignore[call-overload]
        shutil.rmtree(root, ignore_errors=True)

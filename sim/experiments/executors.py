"""Where cells run: here, on a local process pool, or on a Dask cluster.

Every parallel command (``compare``, ``attack``) hands pure cell functions to a
``concurrent.futures``-style executor and puts results back in a fixed order, so the choice of
executor never changes a result.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

__all__ = ["ExecutorError", "cell_executor"]


class ExecutorError(Exception):
    """The executor asked for cannot be had (e.g. no Dask scheduler at that address)."""


@contextlib.contextmanager
def cell_executor(workers: int, dask: str | None = None) -> Iterator[tuple[Executor | None, str]]:
    """``(executor, description)``: None for ``workers == 1`` (run here), a forkserver process
    pool, or a Dask cluster's own executor."""
    if dask is not None:
        from distributed import Client  # only a Dask run pays for importing it

        try:
            client = Client(dask, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(f"--dask {dask}: cannot connect to the scheduler ({exc})") from None
        with client:
            n = len(client.scheduler_info().get("workers", {}))
            yield client.get_executor(), f"Dask cluster {dask} ({n} workers)"
        return
    if workers == 1:
        yield None, "1 local process"
        return
    # forkserver: workers are forked from a clean process that imported the model once, never
    # from this one (which runs the progress bar's thread)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.experiments.matrix"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        yield pool, f"{workers} local processes"

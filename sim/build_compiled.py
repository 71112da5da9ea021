"""The build step that compiles the simulator's hot path: ``python -m sim.build_compiled``.

Run by ``make install`` / ``make compile`` (mypy, hence mypyc, is a pinned dev dependency).
It compiles :data:`sim.compiled.COMPILED` with mypyc into extension modules next to their
sources, one shared library ``sim/hotpath__mypyc*.so`` behind them. It never fails the install:
if mypyc or the C compiler fails it removes any partial build, prints the errors and a warning
saying so, and exits 0 — the sources then run as they are (about 1.8x slower, same records). The build
output is kept in ``build/mypyc/build.log``.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sim.compiled import COMPILED, LIBRARY

__all__ = ["build", "clean", "clean_modules", "main"]

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "build" / "mypyc"
GROUP = f"sim.{LIBRARY.removesuffix('__mypyc')}"  # mypyc names its library <group>__mypyc


def artefacts() -> list[Path]:
    """Every compiled file the build leaves in the source tree."""
    return [Path(p) for p in glob.glob(str(ROOT / "sim" / "**" / "*.so"), recursive=True)]


def clean_modules() -> None:
    """Remove the compiled modules from the source tree (the sources run again)."""
    for p in artefacts():
        p.unlink()


def clean() -> None:
    """Remove the compiled modules and the build directory."""
    clean_modules()
    shutil.rmtree(BUILD_DIR, ignore_errors=True)


def build() -> None:
    """Compile :data:`COMPILED` in place (raises on a mypyc or compiler error)."""
    from mypyc.build import mypycify  # mypyc: dev toolchain, only this build step needs it
    from setuptools import setup  # what mypyc builds with (mypyc: dev toolchain)

    paths = [str(Path(*name.split(".")).with_suffix(".py")) for name in COMPILED]
    os.chdir(ROOT)
    exts = mypycify(paths, opt_level="3", debug_level="0", group_name=GROUP,
                    target_dir=str(BUILD_DIR / "c"))
    setup(name="slotgrab-hotpath", ext_modules=exts, script_args=[
        "build_ext", "--inplace", "--build-temp", str(BUILD_DIR / "temp"),
        "--build-lib", str(BUILD_DIR / "lib"), "--parallel", str(os.cpu_count() or 1)])


def main() -> int:
    """Compile (the build's output goes to ``build/mypyc/build.log``), or warn and leave pure
    Python in place; exit 0 either way. ``clean`` removes the build instead."""
    if sys.argv[1:] == ["clean"]:
        clean()
        return 0
    if sys.argv[1:] == ["--inner"]:
        build()
        return 0
    t0 = time.perf_counter()
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    log = BUILD_DIR / "build.log"
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-m", "sim.build_compiled", "--inner"], cwd=ROOT,
                              stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        clean_modules()
        errors = [line for line in log.read_text().splitlines() if "error:" in line.lower()][:10]
        print("\n".join(errors), file=sys.stderr)
        print(f"WARNING: compiling the simulator's hot path failed (see {log}); slotgrab runs as "
              "pure Python (same records, about 1.8x slower). It needs a C compiler and the "
              "Python headers; retry with `make compile`.", file=sys.stderr)
        return 0
    # the build is current from now: setuptools keeps an unchanged library's old time, and
    # sim/compiled.py runs the sources if one is newer than the library
    for lib in ROOT.glob(f"sim/{LIBRARY}.*"):
        os.utime(lib)
    print(f"compiled {len(COMPILED)} modules with mypyc in {time.perf_counter() - t0:.0f} s "
          f"(SLOTGRAB_PURE_PYTHON=1 runs the sources instead)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

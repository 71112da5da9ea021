"""``slotgrab serve``: run the reference booking service (or the naive one) on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import typer

from sim.cli.errors import USAGE_EXIT, UsageError, user_errors
from sim.cli.serve_checks import (
    MAX_SECONDS,
    check_database,
    check_finite,
    check_policies,
    check_port_free,
    die_with_parent,
    forwarding_signals,
    settings_or_error,
)
from sim.scenario.loader import load_scenario, resolve_path
from targets.reference.db import open_database
from targets.reference.runtime import Runtime, load_at_start
from targets.reference.server import make_settings, uvicorn_command, write_admin_token

__all__ = ["register"]


def serve(
    scenario_arg: str | None = typer.Argument(
        None, metavar="[SCENARIO]", help="Scenario file, shipped name or - (stdin) to load at start."),
    scenario_opt: str | None = typer.Option(
        None, "--scenario", help="Deprecated: give SCENARIO as the first argument, like other commands."),
    policy: list[str] = typer.Option([], "--policy", help="Policy stack replacing the scenario's (repeatable)."),
    db: str = typer.Option("sqlite:///runs/serve/slotgrab.db", "--db", help="sqlite:///PATH or postgresql://…"),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="uvicorn workers (>1 needs PostgreSQL)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    t0_in: float = typer.Option(10.0, "--t0-in", help="T0 (release instant) this many seconds after start."),
    trusted_ip_header: str | None = typer.Option(
        None, "--trusted-ip-header", help="Take the client IP from this header (load runs: X-Client-IP)."),
    sqlite_sync: str = typer.Option("normal", "--sqlite-sync", help="normal (survives a process kill) or full "
                                    "(also survives power loss, slower)."),
    token_ttl: float = typer.Option(86_400.0, "--token-ttl", help="Account token lifetime, seconds."),
    admin_token_file: Path | None = typer.Option(None, "--admin-token-file", help="Where to write the admin token."),
    target: str = typer.Option("reference", "--target", help="reference, or naive (check-then-act, no policies)."),
    pow_mode: str = typer.Option("altcha", "--pow-mode", help="CAPTCHA kind pow: altcha (a real proof-of-work, "
                                 "verified) or claimed (trust the client's `correct`, as the simulator)."),
) -> None:
    """Start the booking service on 127.0.0.1 and print its URL and where the admin token is."""
    with user_errors():
        scenario = _scenario_of(scenario_arg, scenario_opt)
        if target not in ("reference", "naive"):
            raise UsageError(f"--target {target!r}; allowed: ['naive', 'reference']")
        if pow_mode not in ("altcha", "claimed"):
            raise UsageError(f"--pow-mode {pow_mode!r}; allowed: altcha, claimed")
        if sqlite_sync.upper() not in ("NORMAL", "FULL"):
            raise UsageError(f"--sqlite-sync {sqlite_sync!r}; allowed: normal, full")
        if workers > 1 and not db.startswith(("postgresql://", "postgres://")):
            raise UsageError(f"--workers {workers} needs --db postgresql://… (SQLite serves one worker)")
        check_finite("--t0-in", t0_in, -MAX_SECONDS, MAX_SECONDS)
        check_finite("--token-ttl", token_ttl, 0.0, MAX_SECONDS, low_open=True)
        check_policies(policy)
        if scenario is not None:
            load_scenario(scenario)  # fail early with the loader's clear message
        check_port_free(port)
        check_database(db)
        settings = settings_or_error(make_settings, db=db, workers=workers, scenario=scenario,
                                     policies=tuple(policy), t0_in_s=t0_in,
                                     trusted_ip_header=trusted_ip_header,
                                     sqlite_synchronous=sqlite_sync.upper(), token_ttl_s=token_ttl,
                                     pow_mode=pow_mode)
        if workers > 1 and scenario is not None:
            rt = Runtime(open_database(db, single_process=False))
            load_at_start(rt, scenario, tuple(policy), t0_in)
            rt.db.close()
        token_path = write_admin_token(settings, admin_token_file or Path("runs/serve") / str(port) / "admin-token")
    typer.echo(f"slotgrab {target} service: http://127.0.0.1:{port}  (OpenAPI: /docs)")
    typer.echo(f"admin token: {token_path}")
    loaded = f"; scenario {scenario}, T0 in {t0_in:g} s" if scenario else ""
    typer.echo(f"database: {db}; workers: {workers}{loaded}")
    env = {**os.environ, **settings.to_env()}
    # the child dies with us, even when we are SIGKILLed: no orphaned uvicorn keeps the port
    proc = subprocess.Popen(uvicorn_command(settings, port, target), env=env,
                            preexec_fn=die_with_parent())  # only a prctl: safe after fork
    with forwarding_signals(proc):
        code = proc.wait()
    if code not in (0, -2, -15):  # not a clean stop by SIGINT/SIGTERM
        typer.echo(f"error: the {target} service exited with code {code}", err=True)
        raise typer.Exit(code if code > 0 else USAGE_EXIT)


def _scenario_of(arg: str | None, opt: str | None) -> str | None:
    """SCENARIO, or the deprecated ``--scenario`` (with a note on stderr); not both."""
    if arg is not None and opt is not None:
        raise UsageError("give the scenario once: as SCENARIO (--scenario is deprecated)")
    if opt is not None:
        typer.echo("note: --scenario is deprecated; use `slotgrab serve SCENARIO`", err=True)
    scenario = arg if arg is not None else opt
    if scenario is not None:
        scenario = str(resolve_path(scenario))  # '-' (stdin) becomes a file the service reads
    return scenario


def register(app: typer.Typer) -> None:
    """Add ``slotgrab serve``."""
    app.command("serve")(serve)

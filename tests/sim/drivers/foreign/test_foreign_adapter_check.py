"""``slotgrab adapter check`` against the live foreign services: passes for a sound service and
a right mapping; one clear line per problem (and exit 1) when the service loses the
reservation or the mapping reads the wrong field."""

from __future__ import annotations

from pathlib import Path

from cli_kit import run_slotgrab, write_burst
from foreign_kit import HERE
from show_service import PASSWORD


def _check(tmp_path: Path, url: str, mapping: Path, *opts: str):  # type: ignore[no-untyped-def]
    scenario = write_burst(tmp_path, name="check", patients=10, after_s=4)
    args = ["adapter", "check", "--target", url, "--adapter", str(mapping), "--scenario", str(scenario)]
    for o in opts:
        args += ["--adapter-opt", o]
    return run_slotgrab(*args, timeout=60)


def test_check_passes_both_services_with_their_mappings(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "t.db"
    r = _check(tmp_path, foreign("tickets", db=db), HERE / "tickets.yaml", f"db=sqlite:///{db}")
    assert r.returncode == 0, r.stdout
    assert "hold: ok" in r.stdout and "export (after confirm): 2 event(s)" in r.stdout
    r = _check(tmp_path, foreign("shows"), HERE / "shows.yaml", f"password={PASSWORD}")
    assert r.returncode == 0, r.stdout
    assert "cancel: ok" in r.stdout and "export (after cancel): 0 event(s)" in r.stdout


def test_check_names_a_lost_reservation_and_a_wrong_field(tmp_path: Path, foreign) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "t.db"
    url = foreign("tickets", db=db, lose_every=1)  # loses every reservation it acknowledges
    r = _check(tmp_path, url, HERE / "tickets.yaml", f"db=sqlite:///{db}")
    problems = [line for line in r.stdout.splitlines() if line.startswith("problem")]
    assert r.returncode == 1 and len(problems) == 1
    assert "is not shown confirmed" in problems[0]
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text((HERE / "tickets.yaml").read_text().replace(
        "hold_id: \"join(':', [id, to_string(holder)])\"", "hold_id: reservation_id"))
    r = _check(tmp_path, foreign("tickets", db=tmp_path / "u.db"), wrong, f"db=sqlite:///{tmp_path / 'u.db'}")
    problems = [line for line in r.stdout.splitlines() if line.startswith("problem")]
    assert r.returncode == 1 and len(problems) == 1 and "hold_id is missing" in problems[0]
    r = _check(tmp_path, url, HERE / "tickets.yaml")  # the option the file needs is not given
    assert r.returncode == 2 and "--adapter-opt db=VALUE" in r.stderr

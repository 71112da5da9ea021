"""The project's own corpus of malformed scenario files, fed to ``validate``, ``simulate`` and
``serve --scenario``: each must give one error line naming the file, a non-zero exit and no
traceback, quickly (an alias bomb or 5,000-deep nesting used to hang or raise RecursionError;
``bots.accounts: 1e12`` passed validation and ``simulate`` then died allocating 7.3 TiB).

The corpus is ``corpus/*.yaml`` plus three files written here because they are large or not
text: a non-UTF-8 file and a 50 MB file of 1.6 M gate lines (over the size bound), and
a small file whose 1,001 gate lines break the count bound (1,000).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import _register_all, app
from sim.scenario.loader import ScenarioError, load_scenario
from sim.scenario.overrides import OverrideError, parse_set_options

CORPUS = Path(__file__).with_name("corpus")
_register_all()

VALID_HEAD = (CORPUS / "horizon-after-inf.yaml").read_text().replace(".inf", "20")


def _generated(folder: Path) -> list[Path]:
    latin1 = folder / "latin1.yaml"
    latin1.write_bytes(VALID_HEAD.encode() + "description: caf\xe9\n".encode("latin-1"))
    huge = folder / "gates-50mb.yaml"
    with huge.open("w") as f:
        f.write(VALID_HEAD + "gates:\n  simulate:\n")
        f.write("    - 'patient_success >= 0.5'\n" * 1_600_000)
    many = folder / "gates-1001.yaml"
    many.write_text(VALID_HEAD + "gates:\n  simulate:\n" + "    - 'requests > 0'\n" * 1_001)
    return [latin1, huge, many]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return _generated(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def corpus(generated: list[Path]) -> list[Path]:
    files = sorted(CORPUS.glob("*.yaml"))
    assert len(files) >= 18
    return files + generated


def _one_error_line(output: str, path: Path) -> None:
    assert "Traceback" not in output, output[-2000:]
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output[-2000:]
    assert lines[0].startswith("error: ") and path.name in lines[0], lines[0]


@pytest.mark.parametrize("command", [["validate"], ["simulate"], ["serve", "--port", "1",
                                                                                  "--scenario"]])
def test_every_malformed_file_is_one_line_and_exit_2(command: list[str], corpus: list[Path],
                                                    tmp_path: Path) -> None:
    runner = CliRunner()
    for path in corpus:
        args = [*command, str(path)]
        if command[0] == "simulate":
            args += ["--out", str(tmp_path / path.stem)]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (path.name, result.output[-500:])
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
        _one_error_line(result.output, path)


@pytest.mark.parametrize(("name", "says"), [
    ("alias-bomb.yaml", "expands to more than 200,000 values"),
    ("alias-cycle.yaml", "refers to itself"),
    ("nested-5000.yaml", "nested deeper than 64 levels"),
    ("bots-accounts-int-huge.yaml",
     "bots.0.accounts: value 1000000000000: Input should be less than or equal to 1000000"),
    ("horizon-after-inf.yaml", "horizon.after_s: value is not a finite number"),
    ("horizon-after-inf-string.yaml", "horizon.after_s: value 'inf': Input should be a finite number"),
    ("seed-nan.yaml", "seed: value is not a finite number"),
])
def test_bounds_are_named_with_their_limit(name: str, says: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(says)):
        load_scenario(CORPUS / name)


def test_size_encoding_and_count_bounds(generated: list[Path]) -> None:
    latin1, huge, many = generated
    with pytest.raises(ScenarioError, match=r"line 9: not UTF-8 text \(byte 0xe9"):
        load_scenario(latin1)
    with pytest.raises(ScenarioError, match="larger than 2 MiB"):
        load_scenario(huge)
    with pytest.raises(ScenarioError, match=r"gates\.simulate: .*at most 1000 items"):
        load_scenario(many)


def test_overrides_cannot_bring_in_huge_or_infinite_numbers() -> None:
    path = CORPUS / "horizon-after-inf.yaml"
    with pytest.raises(ScenarioError, match=r"horizon\.after_s: value is not a finite number"):
        load_scenario(path, {"horizon.after_s": float("inf")})
    bots = [{"crew": "c", "devices": 1, "rate_per_s": 5, "accounts": 1e12, "ips": 2, "persons": 2}]
    with pytest.raises(ScenarioError, match="less than or equal to 1000000"):
        load_scenario(path, {"horizon.after_s": 20, "bots": bots})


def test_an_alias_bomb_in_a_set_value_is_refused() -> None:
    bomb = "{a0: &a0 [x, x, x, x, x, x, x, x, x]"
    for i in range(1, 10):
        bomb += f", a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]"
    with pytest.raises(OverrideError, match="expands to more than 200,000 values"):
        parse_set_options([f"description={bomb}}}"])


def test_too_many_agents_names_the_limit() -> None:
    segments = [{"segment": f"s{i}", "count": 5_000_000, "arrival_s": 0.0} for i in range(2)]
    with pytest.raises(ScenarioError, match=r"10,000,000 agents .* at most 5,000,000"):
        load_scenario(CORPUS / "horizon-after-inf.yaml", {"horizon.after_s": 20, "patients": segments})


def test_a_real_process_exits_2_on_the_alias_bomb() -> None:
    """Outside CliRunner too: the installed entry point prints one line and exits 2."""
    path = CORPUS / "alias-bomb.yaml"
    done = subprocess.run([sys.executable, "-m", "sim.cli.app", "validate", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    _one_error_line(done.stdout + done.stderr, path)

"""The mapping file is parsed into frozen, validated models; a bad one gets one line per problem
naming the file, the field and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from sim.drivers.mapping_model import MappingError, load_mapping

FOREIGN = Path(__file__).parent / "foreign"

MINIMAL = """
operations:
  list_sessions: {method: GET, path: /s}
  hold: {method: POST, path: /h}
"""


def _bad(tmp_path: Path, text: str) -> str:
    f = tmp_path / "svc.yaml"
    f.write_text(text)
    with pytest.raises(MappingError) as e:
        load_mapping(f)
    return str(e.value)


def test_shipped_test_mappings_load_and_are_frozen() -> None:
    m = load_mapping(FOREIGN / "tickets.yaml")
    assert m.operations["hold"].pick == "random" and m.truth is not None and m.truth.shape == "state"
    assert load_mapping(FOREIGN / "shows.yaml").auth.kind == "login"
    with pytest.raises(pydantic.ValidationError):
        m.name = "other"  # type: ignore[misc]


def test_bad_method_names_file_field_and_allowed_values(tmp_path: Path) -> None:
    msg = _bad(tmp_path, MINIMAL.replace("method: POST", "method: FETCH"))
    assert msg.count("\n") == 0
    assert "svc.yaml: operations.hold.method:" in msg and "'GET'" in msg and "'PATCH'" in msg


def test_unknown_operation_and_unknown_code_list_what_is_allowed(tmp_path: Path) -> None:
    msg = _bad(tmp_path, MINIMAL + "  book: {path: /b}\nstatus: {409: gone}\n")
    lines = msg.splitlines()
    assert len(lines) == 2
    assert any("operations" in s and "'book'" in s and "list_sessions" in s for s in lines)
    assert any("status.409" in s and "'sold_out'" in s for s in lines)


def test_required_ops_jmespath_and_sql_database_are_checked(tmp_path: Path) -> None:
    assert "['hold'] are required" in _bad(tmp_path, "operations: {list_sessions: {path: /s}}")
    msg = _bad(tmp_path, MINIMAL.replace("path: /h}", "path: /h, answer: {hold_id: 'a[['}}"))
    assert "operations.hold.answer.hold_id" in msg and "JMESPath" in msg
    msg = _bad(tmp_path, MINIMAL + "truth: {sql: SELECT 1}\n")
    assert "truth" in msg and "needs database" in msg
    assert "not YAML" in _bad(tmp_path, "operations: [")

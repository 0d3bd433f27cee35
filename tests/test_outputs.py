"""course_utils.outputs: una segunda ejecución no destruye la primera."""

import pytest

from course_utils import CourseParameterError
from course_utils.outputs import prepare_output_dir, write_metrics


def test_fresh_dir(tmp_path):
    paths = prepare_output_dir(tmp_path / "salidas")
    assert paths.root.is_dir() and paths.previous is None
    assert paths.metrics_path == tmp_path / "salidas" / "metrics.json"
    assert paths.model_dir == tmp_path / "salidas" / "modelo"


def test_previous_run_is_kept(tmp_path, capsys):
    first = prepare_output_dir(tmp_path / "salidas")
    first.metrics_path.write_text('{"metrics": 1}')
    second = prepare_output_dir(tmp_path / "salidas", stamp="20260101-000000")
    assert second.previous == tmp_path / "salidas.anterior-20260101-000000"
    assert (second.previous / "metrics.json").read_text() == '{"metrics": 1}'
    assert not second.metrics_path.exists()
    assert "se conserva en" in capsys.readouterr().out
    second.metrics_path.write_text("2")
    third = prepare_output_dir(tmp_path / "salidas", stamp="20260101-000000")
    assert third.previous.name == "salidas.anterior-20260101-000000-1"


def test_empty_existing_dir_is_reused(tmp_path):
    (tmp_path / "vacia").mkdir()
    assert prepare_output_dir(tmp_path / "vacia").previous is None


def test_errors(tmp_path):
    (tmp_path / "archivo").write_text("x")
    with pytest.raises(CourseParameterError, match=r"OUTPUT_DIR=.*es un archivo"):
        prepare_output_dir(tmp_path / "archivo")
    with pytest.raises(CourseParameterError, match=r"OUTPUT_DIR='' .*está vacío"):
        prepare_output_dir("")


def test_write_metrics_is_valid_json(tmp_path, capsys):
    import json

    import numpy as np

    paths = prepare_output_dir(tmp_path / "s")
    path = write_metrics(paths, "nb", {"accuracy": np.float64(0.5), "ece": float("nan")}, {"SEED": 1},
                         n_test=np.int64(3))
    data = json.loads(path.read_text())
    assert data == {"notebook": "nb", "metrics": {"accuracy": 0.5, "ece": None}, "parameters": {"SEED": 1}, "n_test": 3}
    assert "Métricas guardadas en" in capsys.readouterr().out


def test_never_writes_into_notebooks_sources(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "course_utils").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "06.ipynb").write_text("{}")
    paths = prepare_output_dir(repo / "notebooks" / "salidas" / "06")
    assert paths.root == repo / "build" / "salidas" / "06" and paths.root.is_dir()
    assert not (repo / "notebooks" / "salidas").exists()
    assert "caería dentro de notebooks/" in capsys.readouterr().out

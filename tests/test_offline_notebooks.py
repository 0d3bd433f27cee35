"""«Ejecutar todo» como en JupyterLab, sin editar nada y sin red; y los datos propios de un estudiante en un paso."""

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tools import lab, run_course

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.mark.curso_entero
def test_run_all_in_jupyter_offline_with_no_edits(tmp_path, monkeypatch):
    """Las copias de make lab, ejecutadas por un núcleo sin parámetros inyectados y con el Hub inaccesible.

    Cada cuaderno debe elegir solo el perfil local y terminar. Para que la prueba quepa en el tiempo de
    ``make test``, el perfil local apunta al conjunto pequeño del paquete (variable de entorno del curso).
    """
    workspace = lab.prepare_workspace(ROOT / "notebooks", tmp_path / "mis_cuadernos")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("CURSO_DATOS_LOCALES", "resenas-mini")
    order = sorted((workspace.path / n for n in workspace.copied), key=run_course.reading_order)
    for path in order:
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(workspace.path)}}).execute()
        text = "\n".join(out.get("text", "") for cell in nb.cells for out in cell.get("outputs", []))
        assert "→ «local»" in text and "no responde" in text, f"{path.name} no eligió el perfil local"
    # Como un estudiante: 06.4 reutiliza el modelo que dejó 06.3 en la misma carpeta.
    assert (workspace.path / "salidas" / "06_ajuste_fino" / "modelo" / "particiones.json").is_file()


def write_user_csv(path: Path, n_per_class: int = 60) -> None:
    """Un CSV como el de un estudiante: columnas review,sentiment y etiquetas neg/pos (textos generados aquí)."""
    import random

    rng = random.Random(0)
    good = ["great", "wonderful", "moving", "funny", "brilliant", "charming"]
    bad = ["boring", "awful", "dull", "clumsy", "tedious", "weak"]
    nouns = ["plot", "cast", "script", "ending", "music", "pacing"]
    rows = ["review,sentiment"]
    for label, words in (("neg", bad), ("pos", good)):
        for i in range(n_per_class):
            a, b, n = rng.choice(words), rng.choice(words), rng.choice(nouns)
            rows.append(f'"The {n} was {a} and the film felt {b}, review number {i}.",{label}')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.mark.curso_entero
def test_own_csv_in_one_command(tmp_path, monkeypatch, capsys):
    """make run-all PERFIL=local NOTEBOOKS=Ajuste_Fino DATA=mis_resenas.csv TEXT_COLUMN=review LABEL_COLUMN=sentiment"""
    csv = tmp_path / "mis_resenas.csv"
    write_user_csv(csv)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = run_course.main(["--perfil", "local", "--notebooks", "Ajuste_Fino", "--data", str(csv), "--build",
                            str(tmp_path / "build"), "-p", "TEXT_COLUMN=review", "-p", "LABEL_COLUMN=sentiment"])
    out = capsys.readouterr().out
    assert code == 0, out[-3000:]
    summary = json.loads((tmp_path / "build" / "06_3_Ajuste_Fino_Clasificacion" / "metrics.json")
                         .read_text(encoding="utf-8"))
    assert summary["n_train"] + summary["n_validation"] + summary["n_test"] == 120  # N_PER_CLASS ajustado a 60
    assert summary["label_names"] == ["neg", "pos"]
    executed = nbformat.read(tmp_path / "build" / "06_3_Ajuste_Fino_Clasificacion.ipynb", as_version=4)
    text = "\n".join(out.get("text", "") for cell in executed.cells for out in cell.get("outputs", []))
    assert "se usan las de los datos" in text and "se usan 60 por clase" in text


@pytest.mark.curso_entero
def test_own_csv_in_the_notebook_by_changing_only_the_parameters_cell(tmp_path, monkeypatch):
    """El mismo CSV en el cuaderno: solo cambian valores de la celda de parámetros (aquí con el perfil smoke,
    rápido)."""
    import papermill

    csv = tmp_path / "mis_resenas.csv"
    write_user_csv(csv)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    output = tmp_path / "06.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "06_3_Ajuste_Fino_Clasificacion.ipynb"), str(output), kernel_name="python3",
        parameters={"PERFIL": "smoke", "DATA": str(csv), "TEXT_COLUMN": "review", "LABEL_COLUMN": "sentiment",
                    "OUTPUT_DIR": str(tmp_path / "salidas")}, cwd=str(tmp_path), progress_bar=False)
    summary = json.loads((tmp_path / "salidas" / "metrics.json").read_text(encoding="utf-8"))
    assert summary["label_names"] == ["neg", "pos"] and summary["profile"] == "smoke"
    assert 0 <= summary["metrics"]["accuracy"] <= 1

"""make bench funciona de principio a fin (con parámetros diminutos: aquí no se mide velocidad)."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import bench  # noqa: E402

# fp32 fijado: las filas esperadas no dependen de si la CPU tiene bf16 (la prueba de precisión reducida la fuerza aparte).
TINY = ["--original-max-length", "64", "--steps", "1", "--batch", "2", "--mc-texts", "4", "--mc-passes", "2", "--course-max-length", "32",
        "--lengths", "16,32", "--length-train", "4", "--validation", "4", "--device", "cpu", "--mixed-precision", "off", "--in-process",
        "--n-test", "4", "--sections", "speed,max_length,recipe,truncation", "--recipes", "4:1:1e-4:16:head+tail,6:1:1e-4:16:head"]


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert bench.main([*TINY, "--out", str(out)]) == 0
    return json.loads((out / "bench.json").read_text()), (out / "bench.md").read_text()


def test_speed_section_reports_every_lever(bench_run):
    results, _ = bench_run
    training, mc = results["speed"]["training"], results["speed"]["mc_dropout"]
    assert list(training)[:3] == ["original: relleno a 64", "relleno dinámico (64)", "dinámico + agrupado por longitud (64)"]
    assert training["original: relleno a 64"]["ratio_vs_original"] == 1.0
    # El original rellena todo a la longitud fija (1 paso × 2 reseñas × 64); el dinámico, hasta la más larga del lote.
    assert training["original: relleno a 64"]["total_tokens"] == 1 * 2 * 64
    assert training["relleno dinámico (64)"]["total_tokens"] <= 1 * 2 * 64
    assert all(0 <= r["padding_fraction"] < 1 for r in training.values())
    names = list(mc)
    assert names[0] == "original: bucle texto a texto"
    assert any(n.startswith("course_utils: MC completo (fp32, 64 tokens") for n in names), names  # CPU: 2 pasadas × 32
    assert any("lotes grandes" in n for n in names) and "course_utils: solo cabeza" in names
    for r in [*training.values(), *mc.values()]:
        assert r["peak_rss_mb"] > 100 and r["seconds"] > 0


def test_targets_use_the_course_configuration(bench_run):
    results, table = bench_run
    targets = results["speed"]["targets"]
    assert len(targets) == 3
    assert targets["entrenamiento >= 3x a igual max_length"]["row"] == "dinámico + agrupado por longitud (64)"
    assert "lotes grandes" not in targets["MC completo no más lento que el bucle"]["row"]
    assert all(t["met"] == (t["ratio"] >= t["target"]) for t in targets.values())
    assert "| original: bucle texto a texto |" in table and "Objetivos:" in table


def test_max_length_section_scores_each_length_on_validation_with_paired_intervals(bench_run):
    results, table = bench_run
    section = results["max_length"]
    rows = section["rows"]
    assert list(rows) == ["MAX_LENGTH=16, head+tail", "MAX_LENGTH=32, head+tail"]
    assert section["reference"] == "MAX_LENGTH=32, head+tail" and "vs_reference" not in rows[section["reference"]]
    for name, r in rows.items():
        assert 0 <= r["accuracy"]["low"] <= r["accuracy"]["estimate"] <= r["accuracy"]["high"] <= 1
        assert r["train_seconds"] > 0 and r["n_validation"] == 4 and r["n_train"] == 4
        if name != section["reference"]:
            assert r["vs_reference"]["method"] == "bootstrap emparejado"
    assert rows["MAX_LENGTH=16, head+tail"]["truncated_fraction"] >= rows["MAX_LENGTH=32, head+tail"]["truncated_fraction"]
    assert "| MAX_LENGTH=16, head+tail |" in table and "validación" in table


def test_recipe_section_compares_each_recipe_with_tfidf_on_the_same_reviews(bench_run):
    results, table = bench_run
    rows = results["recipe"]["rows"]
    assert list(rows) == ["4 reseñas, 1 épocas, lr 1e-4, 16 tokens, head+tail", "6 reseñas, 1 épocas, lr 1e-4, 16 tokens, head"]
    for r in rows.values():
        assert len(r["labels"]) == len(r["probs"]) == len(r["tfidf_probs"]) == 4
        assert r["vs_tfidf"]["low"] <= r["vs_tfidf"]["estimate"] <= r["vs_tfidf"]["high"]
    assert "Búsqueda de la receta local" in table and "la prueba no se toca" in table


def test_truncation_section_chooses_on_validation_and_reports_on_the_same_test_reviews(bench_run):
    results, table = bench_run
    comparison = results["truncation"]["comparison"]
    assert comparison["validation"]["n"] == 4 and comparison["test"]["n"] == 4
    for part in comparison.values():
        assert {"head", "head+tail", "tfidf", "head+tail − head", "head+tail − tfidf"} <= set(part)
    assert "validación (elige)" in table and "prueba (informa)" in table


def test_copy_to_readme_replaces_only_its_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("antes\n<!-- bench:inicio -->\nvieja\n<!-- bench:fin -->\nmedio\n"
                      "<!-- bench-longitud:inicio -->\notra\n<!-- bench-longitud:fin -->\n")
    bench.copy_to_readme("speed", "nueva", readme)
    text = readme.read_text()
    assert "nueva" in text and "vieja" not in text and "otra" in text and text.startswith("antes\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--sections", "velocidad"], "--sections='velocidad'"), (["--lengths", "128,largo"], "--lengths='128,largo'"),
     (["--recipes", "900:2:1e-4:256:tail"], "--recipes: '900:2:1e-4:256:tail'")],
)
def test_bad_arguments_say_what_to_use(args, message, capsys):
    with pytest.raises(SystemExit):
        bench.main(args)
    assert message in capsys.readouterr().err


def test_reduced_precision_adds_its_own_rows_and_an_fp32_accuracy_check(tmp_path, monkeypatch):
    # Esta CPU no tiene bf16 nativo: se fuerza la elección para recorrer las filas que aparecen
    # donde sí lo hay (autocast bf16 funciona en cualquier CPU, solo que más lento).
    from course_utils import runtime

    monkeypatch.setattr(runtime, "mixed_precision", lambda *a, **k: runtime.Precision(bf16=True, fp16=False))
    args = [a for a in TINY if a not in ("--mixed-precision", "off")]
    args[args.index("--lengths") + 1] = "16"
    args[args.index("--sections") + 1] = "speed,max_length"
    assert bench.main([*args, "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    speed = results["speed"]
    assert "dinámico + agrupado + bf16 (64)" in speed["training"] and "curso: MAX_LENGTH=32 + bf16" in speed["training"]
    assert speed["targets"]["entrenamiento >= 3x a igual max_length"]["row"] == "dinámico + agrupado + bf16 (64)"
    assert speed["targets"]["MC completo no más lento que el bucle"]["row"] == "course_utils: MC completo (bf16)"
    rows = results["max_length"]["rows"]
    assert list(rows) == ["MAX_LENGTH=16, head+tail (bf16)", "MAX_LENGTH=32 (fp32)"]

"""make bench funciona de principio a fin (con parámetros diminutos: aquí no se mide velocidad)."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import bench  # noqa: E402


def test_bench_runs_and_reports_every_lever(tmp_path, capsys):
    args = ["--steps", "1", "--batch", "2", "--mc-texts", "4", "--mc-passes", "2", "--course-max-length", "32", "--in-process"]
    assert bench.main([*args, "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    assert list(results["training"])[:3] == ["original: relleno a 512", "relleno dinámico (512)", "dinámico + agrupado por longitud (512)"]
    assert results["training"]["original: relleno a 512"]["ratio_vs_original"] == 1.0
    assert {"original: bucle texto a texto", "course_utils: MC completo (fp32)", "course_utils: solo cabeza"} <= set(results["mc_dropout"])
    for r in [*results["training"].values(), *results["mc_dropout"].values()]:
        assert r["peak_rss_mb"] > 100 and r["seconds"] > 0
    assert len(results["targets"]) == 3
    table = (tmp_path / "bench.md").read_text()
    assert "| original: bucle texto a texto |" in table and "Objetivos:" in table

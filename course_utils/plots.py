"""Gráficos con matplotlib: curvas de aprendizaje, matriz de confusión e incertidumbre."""

from __future__ import annotations

from typing import Any

from course_utils._checks import check_int, check_labels, check_predictions, fail

METRIC_LABELS = {"eval_accuracy": "exactitud", "eval_f1": "F1", "eval_precision": "precisión",
                 "eval_recall": "exhaustividad"}


def learning_curves(log_history: list[dict[str, Any]]) -> dict[str, list[tuple[float, float]]]:
    """Extrae de ``trainer.state.log_history`` las series ``(época, valor)`` de pérdidas y métricas.

    Parámetros
    ----------
    log_history : list of dict
        ``trainer.state.log_history``.

    Devuelve
    --------
    dict
        ``"loss"`` (entrenamiento), ``"eval_loss"`` y cada ``eval_*`` de :data:`METRIC_LABELS` presente.
    """
    series: dict[str, list[tuple[float, float]]] = {}
    for entry in log_history:
        epoch = entry.get("epoch")
        if epoch is None:
            continue
        for key in ("loss", "eval_loss", *METRIC_LABELS):
            if key in entry:
                series.setdefault(key, []).append((float(epoch), float(entry[key])))
    return series


def plot_learning_curves(log_history: list[dict[str, Any]]):
    """Dibuja la pérdida de entrenamiento y validación y las métricas de validación por época.

    Parámetros
    ----------
    log_history : list of dict
        ``trainer.state.log_history``.

    Devuelve
    --------
    matplotlib.figure.Figure
        Dos paneles: pérdidas y métricas.

    Errores
    -------
    CourseParameterError
        Si el historial no tiene ninguna pérdida registrada (¿se llamó antes de ``trainer.train()``?).
    """
    import matplotlib.pyplot as plt

    series = learning_curves(log_history)
    if "loss" not in series and "eval_loss" not in series:
        raise fail("log_history", f"{len(log_history)} entradas", "no contiene pérdidas",
                   "llama a trainer.train() antes de dibujar")
    fig, (ax_loss, ax_metrics) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label, marker in (("loss", "entrenamiento", "."), ("eval_loss", "validación", "o")):
        if key in series:
            x, y = zip(*series[key], strict=True)
            ax_loss.plot(x, y, marker=marker, label=label)
    ax_loss.set(title="Pérdida", xlabel="época", ylabel="entropía cruzada")
    ax_loss.legend()
    for key, label in METRIC_LABELS.items():
        if key in series:
            x, y = zip(*series[key], strict=True)
            ax_metrics.plot(x, y, marker="o", label=label)
    ax_metrics.set(title="Métricas de validación", xlabel="época", ylim=(0, 1.02))
    ax_metrics.legend()
    fig.tight_layout()
    return fig


def plot_confusion_matrix(labels: Any, predictions: Any, label_names: list[str], *, normalize: bool = False):
    """Dibuja la matriz de confusión con los nombres de clase.

    Parámetros
    ----------
    labels : array-like de int
        Etiquetas verdaderas.
    predictions : array-like
        Etiquetas predichas (1-D) o logits/probabilidades (2-D, se toma el argmax).
    label_names : list of str
        Nombres de clase en orden de índice.
    normalize : bool
        Si es ``True``, cada fila suma 1 (proporción de cada clase real).

    Devuelve
    --------
    matplotlib.figure.Figure

    Errores
    -------
    CourseParameterError
        Etiquetas o predicciones inválidas (los validadores comunes de ``course_utils._checks``).
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    n_classes = len(label_names)
    labels = check_labels("labels", labels, n_classes=n_classes)
    preds, width = check_predictions("predictions", predictions, n_rows=labels.size, num_labels=n_classes)
    if width is not None and width != n_classes:
        raise fail("label_names", list(label_names), f"tiene {n_classes} nombres y las predicciones {width} columnas",
                   "da un nombre por clase, en el orden de los índices")
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ConfusionMatrixDisplay.from_predictions(
        labels,
        preds,
        labels=list(range(len(label_names))),
        display_labels=label_names,
        normalize="true" if normalize else None,
        cmap="Blues",
        colorbar=False,
        ax=ax,
    )
    ax.set(title="Matriz de confusión", xlabel="clase predicha", ylabel="clase real")
    fig.tight_layout()
    return fig


def plot_uncertainty(result, *, bins: int = 20):
    """Histogramas de confianza y de información mutua de un resultado de MC dropout.

    Parámetros
    ----------
    result : course_utils.uncertainty.MCDropoutResult
        Resultado de :func:`course_utils.uncertainty.mc_dropout_predict`.
    bins : int
        Número de barras de cada histograma.

    Devuelve
    --------
    matplotlib.figure.Figure
        Con el umbral de abstención marcado si lo hay.
    """
    import matplotlib.pyplot as plt

    bins = check_int("bins", bins, minimum=1)
    fig, (ax_conf, ax_mi) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax_conf.hist(result.confidence, bins=bins, range=(1.0 / result.mean_probs.shape[1], 1.0), color="tab:blue")
    if result.threshold is not None:
        ax_conf.axvline(result.threshold, color="tab:red", linestyle="--", label=f"umbral {result.threshold}")
        ax_conf.legend()
    ax_conf.set(title="Confianza (máx. probabilidad media)", xlabel="confianza", ylabel="textos")
    ax_mi.hist(result.mutual_information, bins=bins, color="tab:orange")
    ax_mi.set(title="Información mutua (incertidumbre del modelo)", xlabel="nats", ylabel="textos")
    fig.tight_layout()
    return fig


def plot_reliability(reports: dict, *, title: str = "Diagrama de fiabilidad"):
    """Diagrama de fiabilidad (exactitud frente a confianza por tramo) con histograma de confianza.

    Parámetros
    ----------
    reports : dict of str → CalibrationReport
        Uno o varios informes de :func:`course_utils.calibration.expected_calibration_error`
        (p. ej. ``{"una pasada": r1, "MC dropout": r2}``), con los mismos tramos.
    title : str
        Título del panel superior.

    Devuelve
    --------
    matplotlib.figure.Figure
        Arriba, la exactitud de cada tramo (la diagonal es la calibración perfecta) y el ECE en
        la leyenda; abajo, cuántas predicciones caen en cada tramo.

    Errores
    -------
    CourseParameterError
        Si ``reports`` está vacío.
    """
    import matplotlib.pyplot as plt

    if not reports:
        raise fail("reports", reports, "está vacío", "pasa al menos un informe de expected_calibration_error")
    fig, (ax, ax_hist) = plt.subplots(2, 1, figsize=(5.5, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="calibración perfecta")
    width = 1.0 / next(iter(reports.values())).n_bins
    for i, (name, report) in enumerate(reports.items()):
        centers = report.bin_edges[:-1] + width / 2
        mask = report.bin_counts > 0
        ax.plot(centers[mask], report.bin_accuracy[mask], marker="o", label=f"{name} (ECE {report.ece:.3f})")
        offset = (i - (len(reports) - 1) / 2) * width / (len(reports) + 1)
        ax_hist.bar(centers + offset, report.bin_counts, width=width / (len(reports) + 1), label=name)
    ax.set(title=title, ylabel="exactitud", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="upper left", fontsize="small")
    ax_hist.set(xlabel="confianza (probabilidad de la clase predicha)", ylabel="predicciones")
    fig.tight_layout()
    return fig


def plot_risk_coverage(curves: dict):
    """Curvas riesgo–cobertura: error entre las respuestas dadas frente a la fracción respondida.

    Parámetros
    ----------
    curves : dict of str → dict
        Resultados de :func:`course_utils.calibration.risk_coverage_curve`.

    Devuelve
    --------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for name, curve in curves.items():
        ax.plot(curve["coverage"], curve["risk"], label=f"{name} (AURC {curve['aurc']:.3f})")
    ax.set(title="Riesgo–cobertura", xlabel="cobertura (fracción respondida)", ylabel="riesgo (tasa de error)",
           xlim=(0, 1))
    ax.legend()
    fig.tight_layout()
    return fig

"""Datos: carga de un conjunto de textos etiquetados, muestreo balanceado, partición y distribución."""

from __future__ import annotations

import numbers
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from course_utils._checks import check_float, check_int, fail
from course_utils.models import HubUnavailableError
from course_utils.runtime import hub_reachable

# Alias cortos de conjuntos del Hub que usa el curso.
HUB_ALIASES = {"imdb": "stanfordnlp/imdb"}
# Conjuntos pequeños escritos por el proyecto que viajan dentro del paquete: permiten ejecutar los
# cuadernos y las pruebas sin red. «resenas-mini»: reseñas de cine inventadas, en inglés como IMDB,
# 2 clases. «opiniones-es»: opiniones de compras en español, 3 clases, columnas opinion/sentimiento.
SAMPLE_DATASET = "resenas-mini"
SAMPLE_DATASETS = {
    "resenas-mini": Path(__file__).parent / "sample_data" / "resenas_mini",
    "opiniones-es": Path(__file__).parent / "sample_data" / "opiniones_es",
}
LOCAL_FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}
OFFLINE_DATA_HINT = (
    'sin conexión, usa DATA con la ruta de una carpeta o archivo local (p. ej. "../shared/data/imdb") '
    f'o DATA="{SAMPLE_DATASET}" (conjunto pequeño incluido en el paquete); para todo el curso, el perfil '
    "sin conexión: `make run-all PERFIL=local`"
)


def _looks_like_path(source: str) -> bool:
    # "usuario/conjunto" es un nombre del Hub; "./x", "../x", "/x", "~/x", "C:\\x" o "x.csv" son rutas.
    return source.startswith((".", "/", "~", "\\")) or ":\\" in source or Path(source).suffix.lower() in LOCAL_FORMATS


def _local_file(source: str, split: str) -> Path:
    path = Path(source).expanduser()
    if not path.exists():
        raise fail("DATA", source, "la ruta no existe", f"comprueba la ruta (se busca desde {Path.cwd()}) o usa un nombre del Hub como \"imdb\"")
    if path.is_dir():
        candidates = [path / f"{split}{ext}" for ext in LOCAL_FORMATS]
        found = [c for c in candidates if c.is_file()]
        if not found:
            names = ", ".join(c.name for c in candidates)
            raise fail("DATA", source, f"la carpeta no contiene la partición '{split}' ({names})", "pon allí un archivo por partición o da la ruta de un archivo")
        return found[0]
    if path.suffix.lower() not in LOCAL_FORMATS:
        raise fail("DATA", source, f"formato '{path.suffix}' no admitido", "usa un archivo .parquet, .csv, .json o .jsonl")
    return path


def _check_utf8(path: Path) -> None:
    # datasets falla con un UnicodeDecodeError profundo y en inglés; lo comprobamos antes.
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise fail(
                    "DATA",
                    str(path),
                    f"el archivo no está en UTF-8 (línea {number}: {exc.reason})",
                    "vuelve a guardarlo como UTF-8 (p. ej. en pandas: df.to_csv(ruta, encoding='utf-8'))",
                ) from None


def load_text_dataset(
    source: str,
    split: str = "train",
    text_column: str = "text",
    label_column: str = "label",
    label_names: list[str] | None = None,
    hub_timeout: float = 3.0,
):
    """Carga un conjunto de textos etiquetados desde el Hub o desde un archivo o carpeta local.

    Un único camino de código para Colab (``"imdb"``) y sin red (``"../shared/data/imdb"``).
    El resultado tiene siempre las columnas ``text`` y ``label`` (esta última como
    ``ClassLabel``, con nombres de clase) y se valida antes de devolverlo.

    Parámetros
    ----------
    source : str
        Nombre del Hub (``"imdb"``, ``"stanfordnlp/imdb"``), ``"resenas-mini"`` u ``"opiniones-es"``
        (incluidos en el paquete), un archivo ``.parquet``/``.csv``/``.json``/``.jsonl`` o una carpeta con
        ``{split}.parquet`` (o ``.csv``, ``.json``, ``.jsonl``).
    split : str
        Partición a cargar (``"train"`` o ``"test"``).
    text_column, label_column : str
        Columnas con el texto y la etiqueta; se renombran a ``text`` y ``label``.
    label_names : list of str, opcional
        Nombres de las clases en orden de índice. Si las etiquetas son textos, define además
        su número (por defecto, orden alfabético).
    hub_timeout : float
        Segundos máximos para comprobar si el Hub responde.

    Devuelve
    --------
    datasets.Dataset
        Columnas ``text`` (str) y ``label`` (``ClassLabel``).

    Errores
    -------
    CourseParameterError
        Ruta inexistente, formato no admitido, archivo no UTF-8, columnas ausentes, textos
        vacíos o nulos, etiquetas que no son enteros ni nombres, una sola clase.
    HubUnavailableError
        Si es un nombre del Hub y el Hub no responde.

    Ejemplo
    -------
    >>> ds = load_text_dataset("resenas-mini", split="train")
    >>> ds.column_names
    ['text', 'label']
    """
    import datasets

    if not isinstance(source, str) or not source.strip():
        raise fail("DATA", source, "debe ser un texto no vacío", 'usa "imdb" o la ruta de un archivo o carpeta')
    if source in SAMPLE_DATASETS:
        source = str(SAMPLE_DATASETS[source])
    if Path(source).expanduser().exists() or _looks_like_path(source):
        path = _local_file(source, split)
        if LOCAL_FORMATS[path.suffix.lower()] != "parquet":
            _check_utf8(path)
        raw = datasets.load_dataset(LOCAL_FORMATS[path.suffix.lower()], data_files=str(path), split="train")
    else:
        name = HUB_ALIASES.get(source, source)
        if not hub_reachable(hub_timeout):
            raise HubUnavailableError(
                f"No se pudo cargar DATA={source!r}: el Hub de Hugging Face no responde (¿sin conexión?). "
                f"Solución: {OFFLINE_DATA_HINT}."
            )
        try:
            raw = datasets.load_dataset(name, split=split)
        except (OSError, ValueError, datasets.exceptions.DatasetNotFoundError) as exc:
            raise HubUnavailableError(f"No se pudo cargar DATA={source!r} del Hub: {exc}. Solución: {OFFLINE_DATA_HINT}.") from exc
    return prepare_labelled(raw, text_column=text_column, label_column=label_column, label_names=label_names)


def prepare_labelled(ds, text_column: str = "text", label_column: str = "label", label_names: list[str] | None = None):
    """Valida y normaliza un ``datasets.Dataset`` a columnas ``text`` y ``label`` (``ClassLabel``).

    Parámetros
    ----------
    ds : datasets.Dataset
        Conjunto de origen.
    text_column, label_column : str
        Columnas de texto y etiqueta.
    label_names : list of str, opcional
        Nombres de clase en orden de índice.

    Devuelve
    --------
    datasets.Dataset
        Solo las columnas ``text`` y ``label``.

    Errores
    -------
    CourseParameterError
        Columnas ausentes, textos vacíos o nulos, etiquetas inválidas o una sola clase.
    """
    from datasets import ClassLabel

    for param, column in (("text_column", text_column), ("label_column", label_column)):
        if column not in ds.column_names:
            raise fail(param, column, f"la columna no existe; columnas disponibles: {ds.column_names}", f"indica la columna correcta con {param}=...")
    texts = ds[text_column]
    for i, text in enumerate(texts):
        if text is None or not isinstance(text, str):
            raise fail(text_column, text, f"la fila {i} no tiene texto (valor nulo o no textual)", "elimina o completa las filas sin texto antes de cargar")
        if not text.strip():
            raise fail(text_column, text, f"la fila {i} tiene un texto vacío", "elimina las filas con texto vacío")

    feature = ds.features[label_column]
    labels = ds[label_column]
    if isinstance(feature, ClassLabel):
        names = list(label_names or feature.names)
        codes = list(labels)
    else:
        names, codes = _encode_labels(labels, label_column, label_names)
    _check_two_classes(label_column, codes)
    if len(names) <= max(codes):
        raise fail("label_names", label_names, f"hay {max(codes) + 1} clases pero solo {len(names)} nombres", "da un nombre por clase")

    out = ds.select_columns([text_column, label_column])
    if text_column != "text":
        out = out.rename_column(text_column, "text")
    if label_column != "label":
        out = out.rename_column(label_column, "label")
    out = out.remove_columns("label").add_column("label", codes)
    return out.cast_column("label", ClassLabel(names=[str(n) for n in names]))


def _check_two_classes(column: str, labels: list[Any]) -> None:
    distinct = sorted(set(labels), key=str)
    if len(distinct) < 2:
        raise fail(column, distinct, "solo hay una clase", "un clasificador necesita ejemplos de al menos 2 clases; revisa el filtro o el archivo")


def _encode_labels(labels: list[Any], column: str, label_names: list[str] | None) -> tuple[list[str], list[int]]:
    fix = "usa enteros 0..K-1 o nombres de clase (texto) en la columna de etiquetas"
    for i, value in enumerate(labels):
        if value is None:
            raise fail(column, value, f"la fila {i} no tiene etiqueta", "elimina o etiqueta esas filas")
    _check_two_classes(column, labels)
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in labels):
        codes = [int(v) for v in labels]
        present = sorted(set(codes))
        if present[0] < 0 or (label_names is None and present != list(range(len(present)))):
            raise fail(column, present, "las etiquetas enteras deben ser 0, 1, ..., K-1", fix)
        names = label_names or [str(i) for i in range(max(codes) + 1)]
        return list(names), codes
    if all(isinstance(v, str) for v in labels):
        names = list(label_names) if label_names else sorted(set(labels))
        unknown = sorted(set(labels) - set(names))
        if unknown:
            raise fail(column, unknown, f"etiquetas que no están en label_names={names}", "añádelas a label_names o corrige los datos")
        index = {name: i for i, name in enumerate(names)}
        return names, [index[v] for v in labels]
    bad = next(v for v in labels if not isinstance(v, (str, numbers.Integral)) or isinstance(v, bool))
    raise fail(column, bad, "las etiquetas no son enteros ni nombres de clase", fix)


def label_names_of(ds) -> list[str]:
    """Nombres de clase de la columna ``label`` (``ClassLabel``) de ``ds``."""
    return list(ds.features["label"].names)


def balanced_sample(ds, n_per_class: int, seed: int = 42):
    """Toma ``n_per_class`` ejemplos de cada clase, correcto aunque los datos vengan ordenados por etiqueta.

    Baraja con la semilla, elige los primeros ``n_per_class`` de cada clase y vuelve a barajar
    (para que el resultado no quede agrupado por clase). ``ds.select(range(500))`` sobre IMDB,
    ordenado por etiqueta, daría 500 reseñas de una sola clase.

    Parámetros
    ----------
    ds : datasets.Dataset
        Con columna ``label``.
    n_per_class : int
        Ejemplos por clase (>= 1).
    seed : int
        Semilla de los dos barajados.

    Devuelve
    --------
    datasets.Dataset
        ``n_per_class × número de clases`` filas, barajadas.

    Errores
    -------
    CourseParameterError
        Si ``n_per_class`` no es un entero >= 1, si alguna clase tiene menos ejemplos o si hay una sola clase.
    """
    n_per_class = check_int("N_PER_CLASS", n_per_class, minimum=1)
    labels = np.asarray(ds["label"])
    classes = np.unique(labels)
    if len(classes) < 2:
        raise fail("label", classes.tolist(), "solo hay una clase", "un clasificador necesita ejemplos de al menos 2 clases")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(labels))
    chosen = []
    names = _names_or_ids(ds)
    for cls in classes:
        members = order[labels[order] == cls]
        if len(members) < n_per_class:
            raise fail(
                "N_PER_CLASS",
                n_per_class,
                f"la clase '{names[int(cls)]}' solo tiene {len(members)} ejemplos",
                f"usa N_PER_CLASS <= {min(np.sum(labels == c) for c in classes)} o más datos",
            )
        chosen.append(members[:n_per_class])
    picked = np.concatenate(chosen)
    return ds.select(rng.permutation(picked).tolist())


def _names_or_ids(ds) -> list[str]:
    feature = ds.features["label"]
    return list(feature.names) if hasattr(feature, "names") else [str(i) for i in range(int(np.max(ds["label"])) + 1)]


def stratified_split(ds, test_size: float = 0.2, seed: int = 42):
    """Parte ``ds`` en entrenamiento y prueba manteniendo la proporción de cada clase.

    Parámetros
    ----------
    ds : datasets.Dataset
        Con columna ``label`` de tipo ``ClassLabel`` (como la devuelve :func:`load_text_dataset`).
    test_size : float
        Fracción para prueba, en (0, 1).
    seed : int
        Semilla de la partición.

    Devuelve
    --------
    datasets.DatasetDict
        Claves ``"train"`` y ``"test"``.

    Errores
    -------
    CourseParameterError
        Si ``test_size`` no está en (0, 1) o alguna parte quedaría sin ejemplos de cada clase.
    """
    test_size = check_float("TEST_SIZE", test_size, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    counts = Counter(ds["label"])
    n_test = round(len(ds) * test_size)
    n_classes = len(counts)
    if n_test < n_classes or len(ds) - n_test < n_classes:
        raise fail(
            "TEST_SIZE",
            test_size,
            f"con {len(ds)} ejemplos y {n_classes} clases, prueba tendría {n_test} y entrenamiento {len(ds) - n_test}",
            f"cada parte necesita al menos {n_classes} ejemplos: sube N_PER_CLASS o ajusta TEST_SIZE",
        )
    return ds.train_test_split(test_size=test_size, seed=seed, stratify_by_column="label")


def class_distribution(ds) -> list[dict[str, Any]]:
    """Cuenta los ejemplos de cada clase.

    Parámetros
    ----------
    ds : datasets.Dataset
        Con columna ``label``.

    Devuelve
    --------
    list of dict
        Una fila por clase: ``{"label": int, "nombre": str, "n": int, "porcentaje": float}``.
    """
    counts = Counter(int(v) for v in ds["label"])
    names = _names_or_ids(ds)
    total = sum(counts.values())
    return [
        {"label": k, "nombre": names[k] if k < len(names) else str(k), "n": counts[k], "porcentaje": 100.0 * counts[k] / total}
        for k in sorted(counts)
    ]


def format_class_distribution(ds, title: str = "Distribución de clases") -> str:
    """Texto en español con la distribución de clases (recuento y porcentaje)."""
    rows = class_distribution(ds)
    lines = [f"{title} ({sum(r['n'] for r in rows)} ejemplos):"]
    lines += [f"  {r['label']} ({r['nombre']}): {r['n']:>6}  {r['porcentaje']:5.1f} %" for r in rows]
    return "\n".join(lines)


def print_class_distribution(ds, title: str = "Distribución de clases") -> list[dict[str, Any]]:
    """Imprime :func:`format_class_distribution` y devuelve :func:`class_distribution`."""
    print(format_class_distribution(ds, title))
    return class_distribution(ds)

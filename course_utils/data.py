"""Datos: carga de un conjunto de textos etiquetados, muestreo balanceado, partición y distribución."""

from __future__ import annotations

import numbers
from collections import Counter
from dataclasses import dataclass
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
    "sin conexión: `make run-all PERFIL=local` (o, en el cuaderno, PERFIL = \"local\" o \"auto\")"
)


def where_to_set(name: str, example: str) -> str:
    """Cómo fijar el parámetro ``name`` desde donde esté el usuario: cuaderno (Jupyter, Colab) o ``make``."""
    return (f"pon {name} = {example} en la celda de parámetros del cuaderno (Jupyter o Colab), "
            f"o {name}={example.strip(chr(34))} en make run-all")


def _looks_like_path(source: str) -> bool:
    # "usuario/conjunto" es un nombre del Hub; "./x", "../x", "/x", "~/x", "C:\\x" o "x.csv" son rutas.
    return source.startswith((".", "/", "~", "\\")) or ":\\" in source or Path(source).suffix.lower() in LOCAL_FORMATS


def _local_file(source: str, split: str) -> Path:
    path = Path(source).expanduser()
    if not path.exists():
        raise fail("DATA", source, "la ruta no existe",
                   f"comprueba la ruta (se busca desde {Path.cwd()}) o usa un nombre del Hub como \"imdb\"")
    if path.is_dir():
        candidates = [path / f"{split}{ext}" for ext in LOCAL_FORMATS]
        found = [c for c in candidates if c.is_file()]
        if not found:
            names = ", ".join(c.name for c in candidates)
            raise fail("DATA", source, f"la carpeta no contiene la partición '{split}' ({names})",
                       "pon allí un archivo por partición o da la ruta de un archivo")
        return found[0]
    if path.suffix.lower() not in LOCAL_FORMATS:
        raise fail("DATA", source, f"formato '{path.suffix}' no admitido",
                   "usa un archivo .parquet, .csv, .json o .jsonl")
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
    *,
    text_column: str = "text",
    label_column: str = "label",
    label_names: list[str] | None = None,
    hub_timeout: float = 3.0,
    infer_label_names: bool = False,
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
    infer_label_names : bool
        Ver :func:`prepare_labelled`.

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
            raise HubUnavailableError(f"No se pudo cargar DATA={source!r} del Hub: {exc}. Solución: "
                                      f"{OFFLINE_DATA_HINT}.") from exc
    return prepare_labelled(raw, text_column=text_column, label_column=label_column, label_names=label_names,
                            infer_label_names=infer_label_names)


def prepare_labelled(ds, *, text_column: str = "text", label_column: str = "label",
                     label_names: list[str] | None = None, infer_label_names: bool = False):
    """Valida y normaliza un ``datasets.Dataset`` a columnas ``text`` y ``label`` (``ClassLabel``).

    Parámetros
    ----------
    ds : datasets.Dataset
        Conjunto de origen.
    text_column, label_column : str
        Columnas de texto y etiqueta.
    label_names : list of str, opcional
        Nombres de clase en orden de índice.
    infer_label_names : bool
        Si las etiquetas son textos que no están en ``label_names`` (p. ej. ``neg``/``pos`` con los nombres
        por defecto del cuaderno), usar los de los datos, ordenados, y decirlo. Con ``False`` (nombres
        fijados por el usuario), esa discrepancia es un error.

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

    for param, column in (("TEXT_COLUMN", text_column), ("LABEL_COLUMN", label_column)):
        if column not in ds.column_names:
            example = next((c for c in ds.column_names if c not in (text_column, label_column)), "columna")
            raise fail(param, column, f"la columna no existe; columnas disponibles: {ds.column_names}",
                       where_to_set(param, f'"{example}"'))
    texts = column_values(ds, text_column)
    for i, text in enumerate(texts):
        if text is None or not isinstance(text, str):
            raise fail(text_column, text, f"la fila {i} no tiene texto (valor nulo o no textual)",
                       "elimina o completa las filas sin texto antes de cargar")
        if not text.strip():
            raise fail(text_column, text, f"la fila {i} tiene un texto vacío", "elimina las filas con texto vacío")

    feature = ds.features[label_column]
    labels = column_values(ds, label_column)
    if isinstance(feature, ClassLabel):
        names = list(label_names or feature.names)
        codes = list(labels)
    else:
        names, codes = _encode_labels(labels, label_column, label_names, infer=infer_label_names)
    _check_two_classes(label_column, codes)
    if len(names) <= max(codes):
        raise fail("LABEL_NAMES", label_names, f"hay {max(codes) + 1} clases pero solo {len(names)} nombres",
                   "da un nombre por clase: " + where_to_set("LABEL_NAMES", '["...", "..."]'))

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
        raise fail(column, distinct, "solo hay una clase",
                   "un clasificador necesita ejemplos de al menos 2 clases; revisa el filtro o el archivo")


def _encode_labels(labels: list[Any], column: str, label_names: list[str] | None, *,
                   infer: bool = False) -> tuple[list[str], list[int]]:
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
        if unknown and infer:
            names = sorted(set(labels))
            print(f"Las etiquetas de los datos ({', '.join(names)}) no son LABEL_NAMES={list(label_names or [])}: "
                  f"se usan las de los datos, en orden alfabético (clase 0 = {names[0]!r}). Para otro orden o "
                  "nombres, fija LABEL_NAMES con las etiquetas de los datos.")
        elif unknown:
            raise fail("LABEL_NAMES", list(label_names or []),
                       f"la columna {column!r} tiene etiquetas que no están ahí: {unknown}",
                       "añádelas: " + where_to_set("LABEL_NAMES", repr(sorted(set(labels))).replace("'", '"')))
        index = {name: i for i, name in enumerate(names)}
        return names, [index[v] for v in labels]
    bad = next(v for v in labels if not isinstance(v, (str, numbers.Integral)) or isinstance(v, bool))
    raise fail(column, bad, "las etiquetas no son enteros ni nombres de clase", fix)


def column_values(ds, name: str) -> list[Any]:
    """Los valores de la columna ``name`` de ``ds``, en una lista.

    Parámetros
    ----------
    ds : datasets.Dataset
        Conjunto de origen.
    name : str
        Columna.

    Devuelve
    --------
    list
        Un valor por fila, en orden.

    Notas
    -----
    En datasets >= 4, ``ds[name]`` es una columna perezosa: recorrerla, o pasarla a ``np.asarray``, formatea fila a
    fila (unos 0.3 s por cada 25 000 reseñas), y el curso lo hacía varias veces al cargar IMDB. Pedirla entera con
    ``[:]`` la lee de Arrow de una vez (milisegundos). Con datasets 3, ``ds[name]`` ya es una lista y ``[:]`` la copia.
    """
    if name not in ds.column_names:
        raise fail("name", name, f"la columna no existe; columnas disponibles: {ds.column_names}", "usa una de ellas")
    return ds[name][:]


def label_names_of(ds) -> list[str]:
    """Nombres de clase de la columna ``label`` (``ClassLabel``) de ``ds``."""
    return list(ds.features["label"].names)


def balanced_sample(ds, n_per_class: int, *, seed: int = 42):
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
    labels = np.asarray(column_values(ds, "label"))
    classes = np.unique(labels)
    if len(classes) < 2:
        raise fail("label", classes.tolist(), "solo hay una clase",
                   "un clasificador necesita ejemplos de al menos 2 clases")
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
    return (list(feature.names) if hasattr(feature, "names")
            else [str(i) for i in range(int(np.max(column_values(ds, "label"))) + 1)])


def _part_size(name: str, size: Any, total: int) -> int:
    """Ejemplos de una parte: fracción en (0, 1) (se redondea hacia arriba, como datasets) o entero."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        count = check_int(name, size, minimum=1,
                          fix=f"usa un número de ejemplos entre 1 y {total - 1}, o una fracción en (0, 1)")
        if count >= total:
            raise fail(name, size, f"solo hay {total} ejemplos",
                       f"usa un número menor que {total} o una fracción en (0, 1)")
        return count
    fraction = check_float(name, size, 0.0, 1.0, low_inclusive=False, high_inclusive=False,
                           fix="usa una fracción en (0, 1), p. ej. 0.2, o un número de ejemplos")
    return int(np.ceil(total * fraction))


def stratified_indices(labels: Any, size: Any, *, seed: int = 42,
                       name: str = "TEST_SIZE") -> tuple[np.ndarray, np.ndarray]:
    """Parte los índices ``0..N-1`` en (resto, parte) conservando la proporción de cada clase.

    Parámetros
    ----------
    labels : array-like (N,)
        Clase de cada ejemplo.
    size : float o int
        Tamaño de la parte: fracción en (0, 1) o número de ejemplos.
    seed : int
        Semilla.
    name : str
        Nombre del parámetro, para los mensajes de error.

    Devuelve
    --------
    (numpy.ndarray, numpy.ndarray)
        Índices del resto y de la parte, cada uno en orden creciente.

    Errores
    -------
    CourseParameterError
        Si el tamaño no es válido o alguna de las dos partes se quedaría sin alguna clase.
    """
    from sklearn.model_selection import train_test_split

    labels = np.asarray(labels).reshape(-1)
    count = _part_size(name, size, len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    if count < len(classes) or len(labels) - count < len(classes) or counts.min() < 2:
        raise fail(
            name,
            size,
            f"con {len(labels)} ejemplos ({dict(zip(classes.tolist(), counts.tolist(), strict=True))} por clase) la "
            f"parte tendría {count} y el resto {len(labels) - count}",
            f"cada parte necesita al menos un ejemplo de cada una de las {len(classes)} clases: usa más datos o cambia "
            f"{name}",
        )
    rest, part = train_test_split(np.arange(len(labels)), test_size=count, stratify=labels, random_state=seed)
    # La estratificación redondea: con clases muy minoritarias, una parte pequeña puede quedarse sin alguna.
    for side, rows in (("la parte", part), ("el resto", rest)):
        missing = sorted(set(classes.tolist()) - set(labels[rows].tolist()))
        if missing:
            raise fail(
                name, size,
                f"{side} ({len(rows)} ejemplos) se quedaría sin la clase {missing} (solo hay "
                f"{dict(zip(classes.tolist(), counts.tolist(), strict=True))})",
                f"aumenta {name} (o los datos de esa clase) para que cada parte tenga al menos un ejemplo "
                "de cada clase",
            )
    return np.sort(rest), np.sort(part)


def stratified_subset(labels: Any, size: int, *, seed: int = 42, name: str = "N_MC") -> np.ndarray:
    """Índices de una submuestra estratificada con semilla de ``size`` ejemplos (todos si ``size`` >= N).

    Parámetros
    ----------
    labels : array-like (N,)
        Clase de cada ejemplo.
    size : int
        Tamaño de la submuestra (>= 2).
    seed : int
        Semilla.
    name : str
        Nombre del parámetro en los mensajes de error.

    Devuelve
    --------
    numpy.ndarray
        Índices en orden creciente.
    """
    labels = np.asarray(labels).reshape(-1)
    size = check_int(name, size, minimum=2, fix="usa al menos 2 ejemplos")
    if size >= len(labels):
        return np.arange(len(labels))
    return stratified_indices(labels, size, seed=seed, name=name)[1]


def stratified_split(ds, test_size: float | int = 0.2, *, seed: int = 42, name: str = "TEST_SIZE"):
    """Parte ``ds`` en entrenamiento y prueba manteniendo la proporción de cada clase.

    Parámetros
    ----------
    ds : datasets.Dataset
        Con columna ``label``.
    test_size : float o int
        Fracción para la segunda parte, en (0, 1), o número de ejemplos.
    seed : int
        Semilla de la partición.
    name : str
        Nombre del parámetro en los mensajes de error (``TEST_SIZE``, ``VALIDATION_SIZE``...).

    Devuelve
    --------
    datasets.DatasetDict
        Claves ``"train"`` y ``"test"``.

    Errores
    -------
    CourseParameterError
        Si ``test_size`` no es válido o alguna parte quedaría sin ejemplos de alguna clase.
    """
    from datasets import DatasetDict

    rest, part = stratified_indices(column_values(ds, "label"), test_size, seed=seed, name=name)
    rng = np.random.default_rng(seed)
    return DatasetDict({"train": ds.select(rng.permutation(rest).tolist()),
                        "test": ds.select(rng.permutation(part).tolist())})


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
    counts = Counter(int(v) for v in column_values(ds, "label"))
    names = _names_or_ids(ds)
    total = sum(counts.values())
    return [
        {"label": k, "nombre": names[k] if k < len(names) else str(k), "n": counts[k],
         "porcentaje": 100.0 * counts[k] / total}
        for k in sorted(counts)
    ]


def format_class_distribution(ds, *, title: str = "Distribución de clases") -> str:
    """Texto en español con la distribución de clases (recuento y porcentaje)."""
    rows = class_distribution(ds)
    lines = [f"{title} ({sum(r['n'] for r in rows)} ejemplos):"]
    lines += [f"  {r['label']} ({r['nombre']}): {r['n']:>6}  {r['porcentaje']:5.1f} %" for r in rows]
    return "\n".join(lines)


def print_class_distribution(ds, *, title: str = "Distribución de clases") -> list[dict[str, Any]]:
    """Imprime :func:`format_class_distribution` y devuelve :func:`class_distribution`."""
    print(format_class_distribution(ds, title=title))
    return class_distribution(ds)


@dataclass(frozen=True)
class EvaluationSplits:
    """Las tres partes del protocolo de evaluación del curso y de dónde sale cada una."""

    splits: Any  # datasets.DatasetDict con "train", "validation" y "test" (columnas text, label, id)
    label_names: list[str]
    test_source: str  # "test" (partición propia de los datos) o "train" (reservada del entrenamiento)
    hashes: dict[str, str]  # huella de los ids de cada parte (evaluation.ids_hash)
    n_per_class: int = 0  # reseñas por clase de la muestra balanceada (N_PER_CLASS, ajustado a los datos si se pidió)

    def summary(self) -> str:
        """Texto en español: tamaño, clases y huella de cada parte."""
        origin = {"test": "de la partición de prueba de los datos",
                  "train": "reservadas de los datos de entrenamiento (no hay partición de prueba)"}
        lines = []
        for name, title in (("train", "entrenamiento"), ("validation", "validación"), ("test", "prueba")):
            part = self.splits[name]
            counts = Counter(int(v) for v in column_values(part, "label"))
            per_class = ", ".join(f"{self.label_names[k]} {counts[k]}" for k in sorted(counts))
            extra = f" — {origin[self.test_source]}" if name == "test" else ""
            lines.append(f"  {title:<14} {len(part):>6} reseñas ({per_class}); huella {self.hashes[name]}{extra}")
        return "Partes del protocolo de evaluación:\n" + "\n".join(lines)


def available_splits(source: str) -> list[str]:
    """Particiones que ofrece ``DATA``: las de un conjunto del Hub, o los archivos ``{split}.*`` de una carpeta.

    Un archivo suelto solo tiene ``"train"``.
    """
    if source in SAMPLE_DATASETS:
        source = str(SAMPLE_DATASETS[source])
    path = Path(source).expanduser()
    if path.exists() or _looks_like_path(source):
        if not path.is_dir():
            return ["train"]
        return sorted({f.stem for f in path.iterdir() if f.suffix.lower() in LOCAL_FORMATS})
    import datasets

    try:
        return list(datasets.get_dataset_split_names(HUB_ALIASES.get(source, source)))
    except Exception as exc:  # noqa: BLE001 - cualquier fallo del Hub se explica igual
        raise HubUnavailableError(f"No se pudo consultar DATA={source!r} en el Hub: {exc}. Solución: "
                                  f"{OFFLINE_DATA_HINT}.") from exc


def _with_ids(ds, split: str):
    return ds.add_column("id", [f"{split}:{i}" for i in range(len(ds))])


def load_test_split(source: str, label_names: list[str], *, text_column: str = "text", label_column: str = "label"):
    """La partición de prueba propia de ``DATA``, con ids (``"test:fila"``), o ``None`` si no tiene.

    Parámetros
    ----------
    source : str
        ``DATA`` (ver :func:`load_text_dataset`).
    label_names : list of str
        Los nombres de clase de la partición de entrenamiento (mismo orden de índices).
    text_column, label_column : str
        Columnas de texto y etiqueta.

    Devuelve
    --------
    datasets.Dataset o None
    """
    if "test" not in available_splits(source):
        return None
    return _with_ids(load_text_dataset(source, "test", text_column=text_column, label_column=label_column,
                                       label_names=label_names), "test")


def fit_n_per_class(raw, n_per_class: int, *, cap: bool) -> int:
    """``N_PER_CLASS`` ajustado a los datos: con ``cap``, no más que la clase más pequeña de ``raw`` (y lo dice).

    Parameters
    ----------
    raw : datasets.Dataset
        Partición de entrenamiento, con columna ``label``.
    n_per_class : int
        Lo pedido (p. ej. el valor del perfil).
    cap : bool
        ``True`` si el valor no lo fijó el usuario (viene del perfil o de la lección): se ajusta a los datos.
        Con ``False`` se devuelve tal cual, y pedir más de lo que hay será un error al muestrear.

    Returns
    -------
    int
        Reseñas por clase que se usarán.
    """
    n_per_class = check_int("N_PER_CLASS", n_per_class, minimum=1, fix="usa un entero >= 1 (p. ej. 500)")
    smallest = int(np.bincount(np.asarray(column_values(raw, "label"))).min())
    if cap and n_per_class > smallest:
        print(f"N_PER_CLASS={n_per_class} (del perfil) supera los datos: su clase más pequeña tiene {smallest} "
              f"ejemplos; se usan {smallest} por clase. Para otro valor: {where_to_set('N_PER_CLASS', str(smallest))}.")
        return smallest
    return n_per_class


def evaluation_splits(
    raw,
    test_pool=None,
    *,
    n_per_class: int,
    validation_size: float | int,
    n_test: int | None,
    test_size: float = 0.2,
    seed: int = 42,
    test_seed: int | None = None,
    cap_n_per_class: bool = False,
) -> EvaluationSplits:
    """Entrenamiento, validación y prueba según el protocolo del curso.

    - **Prueba**: si hay partición de prueba (``test_pool``), una muestra estratificada con semilla de
      ``n_test`` reseñas de ella (todas si ``n_test`` es ``None``). Si no, una parte estratificada
      (``test_size``) de la muestra equilibrada de entrenamiento. Se usa **una vez**, al final.
    - **Entrenamiento y validación**: ``n_per_class`` reseñas por clase de ``raw`` (muestra
      equilibrada) y, de ellas, ``validation_size`` para validación: ahí se elige todo (época,
      temperatura, umbral, hiperparámetros).

    Parámetros
    ----------
    raw : datasets.Dataset
        Partición de entrenamiento (columnas ``text``, ``label``); si no tiene ``id``, se le pone
        ``"train:fila"``.
    test_pool : datasets.Dataset, opcional
        Partición de prueba de los mismos datos (:func:`load_test_split`).
    n_per_class : int
        Reseñas por clase para entrenamiento + validación.
    validation_size : float o int
        Fracción (0, 1) o número de reseñas de validación.
    n_test : int o None
        Reseñas de prueba tomadas de ``test_pool``; ``None``: todas.
    test_size : float
        Fracción reservada como prueba cuando no hay ``test_pool``.
    seed : int
        Semilla de todos los muestreos.
    test_seed : int, opcional
        Semilla de la muestra de prueba tomada de ``test_pool``, si debe ser otra que ``seed``: así
        varias ejecuciones con distinta muestra de entrenamiento se miden en las mismas reseñas.
    cap_n_per_class : bool
        Si ``n_per_class`` no lo fijó el usuario (viene del perfil) y los datos tienen menos por clase,
        usar lo que hay y decirlo. Con ``False``, pedir más de lo que hay es un error.

    Devuelve
    --------
    EvaluationSplits
        ``splits`` (``DatasetDict`` con ``train``, ``validation``, ``test``, cada reseña con su ``id``),
        ``label_names``, ``test_source`` y ``hashes`` (huella de los ids de cada parte).

    Errores
    -------
    CourseParameterError
        Parámetros fuera de rango, o datos con menos reseñas de las pedidas.
    """
    from datasets import DatasetDict

    from course_utils.evaluation import ids_hash

    n_per_class = check_int("N_PER_CLASS", n_per_class, minimum=1, fix="usa un entero >= 1 (p. ej. 500)")
    if n_test is not None:
        n_test = check_int("N_TEST", n_test, minimum=2,
                           fix="usa un número de reseñas de prueba >= 2, o None para todas")
    if "id" not in raw.column_names:
        raw = _with_ids(raw, "train")
    names = label_names_of(raw)
    n_per_class = fit_n_per_class(raw, n_per_class, cap=cap_n_per_class)
    if test_pool is not None:
        if n_test is None or n_test >= len(test_pool):
            test = test_pool
        else:
            test_rows = stratified_indices(column_values(test_pool, "label"), n_test,
                                           seed=seed if test_seed is None else test_seed, name="N_TEST")[1]
            test = test_pool.select(test_rows.tolist())
        pool, test_source = balanced_sample(raw, n_per_class, seed=seed), "test"
    else:
        held = stratified_split(balanced_sample(raw, n_per_class, seed=seed), test_size=test_size, seed=seed)
        pool, test, test_source = held["train"], held["test"], "train"
        print(f"Los datos no tienen partición de prueba: se reserva TEST_SIZE={test_size} de la muestra equilibrada "
              f"({len(test)} reseñas) como prueba" + ("; N_TEST no se usa." if n_test is not None else "."))
    parts = stratified_split(pool, test_size=validation_size, seed=seed, name="VALIDATION_SIZE")
    splits = DatasetDict({"train": parts["train"], "validation": parts["test"], "test": test})
    seen: set[str] = set()
    for name in splits:
        ids = set(splits[name]["id"])
        if ids & seen:  # no puede pasar por construcción; si pasara, ninguna cifra de prueba valdría
            raise RuntimeError(f"La parte '{name}' comparte reseñas con otra: revisa evaluation_splits.")
        seen |= ids
    return EvaluationSplits(splits, names, test_source, {name: ids_hash(splits[name]["id"]) for name in splits},
                            n_per_class)


def load_evaluation_splits(
    source: str,
    *,
    n_per_class: int,
    validation_size: float | int,
    n_test: int | None,
    test_size: float = 0.2,
    seed: int = 42,
    test_seed: int | None = None,
    label_names: list[str] | None = None,
    text_column: str = "text",
    label_column: str = "label",
    infer_label_names: bool = False,
    cap_n_per_class: bool = False,
) -> EvaluationSplits:
    """Carga ``DATA`` y devuelve sus tres partes: :func:`load_text_dataset` + :func:`load_test_split` +
    :func:`evaluation_splits`.

    Parámetros
    ----------
    source : str
        ``DATA``.
    n_per_class, validation_size, n_test, test_size, seed, test_seed
        Ver :func:`evaluation_splits`.
    label_names, text_column, label_column, infer_label_names
        Ver :func:`load_text_dataset`.
    cap_n_per_class
        Ver :func:`evaluation_splits`.

    Devuelve
    --------
    EvaluationSplits
    """
    raw = load_text_dataset(source, "train", text_column=text_column, label_column=label_column,
                            label_names=label_names, infer_label_names=infer_label_names)
    test_pool = load_test_split(source, label_names_of(raw), text_column=text_column, label_column=label_column)
    return evaluation_splits(raw, test_pool, n_per_class=n_per_class, validation_size=validation_size, n_test=n_test,
                             test_size=test_size, seed=seed, test_seed=test_seed, cap_n_per_class=cap_n_per_class)

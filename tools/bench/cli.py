"""Benchmark del curso frente a la configuración del cuaderno original (``make bench``, ``python -m tools.bench``).

Mide, con el mismo modelo, los mismos datos y en la misma máquina (cada medida en un subproceso propio, para medir
también su pico de memoria), por secciones (``--sections``, separadas por comas):

  speed             entrenamiento (reseñas/s) y MC dropout del curso frente al original, palanca a palanca, con la
                    fracción del pico de la máquina que aprovecha cada fila (unos 10 minutos en 2 núcleos).
  profile           dónde se va el tiempo de unos pasos del entrenamiento del curso (torch.profiler, solo CPU).
  max_length        exactitud en validación y tiempo de la receta local a cada MAX_LENGTH de --lengths.
  truncation        «head» frente a «head+tail»: elige en validación e informa una vez en la prueba.
  recipe            la búsqueda en validación de la receta local frente a TF-IDF (--recipes).
  adaptation        las recetas del 06.5 (capas superiores, LoRA, congelado) en validación (--adapt-recipes).
  time_to_accuracy  tiempo hasta terminar y exactitud en la prueba: el curso frente al original (la medida del
                    original, de más de una hora, se guarda en tools/bench_original.json; --original la repite).
  semillas          la receta local y sus variantes con varias semillas (--semillas, --variantes, --perfil);
                    --solo-reunir no entrena: reúne las ejecuciones que haya, de todas las máquinas.

Todas usan el protocolo del curso (course_utils.data.load_evaluation_splits). Por defecto:
speed,time_to_accuracy,max_length (unos 30 minutos en 2 núcleos).

Escribe build/bench.json y build/bench.md (todo lo medido en esta ejecución) y, por cada sección medida, su página
docs/bench/<página>.md (cabecera con la fecha, el hardware, los datos, el modelo y la orden que la reproduce; se
conserva lo que va desde «Mediciones anteriores») y sus cifras en bruto docs/resultados/<sección>.json. Nunca
toca el README. La sección semillas copia además cada ejecución en
docs/resultados/semillas/<máquina>/<grupo>/<variante>-s<semilla>/.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import tempfile
from pathlib import Path
from typing import Any

from course_utils import profiles, runtime
from course_utils.entrenar import SpanishParser
from tools.bench import adaptation, docs, profiling, quality, seeds, speed, time_to_accuracy
from tools.bench.common import (
    FALLBACK_DATA,
    IMDB,
    MODEL,
    ROOT,
    Env,
    Section,
    data_source,
    describe_machine,
    run_in_process,
    run_isolated,
    shown_path,
)

SECTIONS: dict[str, Section] = {s.name: s for s in (
    speed.SECTION, profiling.SECTION, quality.MAX_LENGTH_SECTION, quality.TRUNCATION_SECTION, quality.RECIPE_SECTION,
    adaptation.SECTION, time_to_accuracy.SECTION, seeds.SECTION)}
DEFAULT_SECTIONS = ("speed", "time_to_accuracy", "max_length")
DEFAULT_RECIPES = ("900:2:1e-4:256:head+tail:0.1,1800:1:1e-4:256:head+tail:0.1,1800:2:1e-4:128:head+tail:0.1,"
                   "900:2:2e-4:256:head+tail:0.1,900:2:1e-4:512:head+tail:0,900:2:1e-4:256:head+tail:0")
# Las opciones que tienen su variable en el Makefile (make bench VARIABLE=valor); el resto va en BENCH_ARGS.
MAKE_VARIABLES = {"device": "DEVICE", "course_max_length": "MAX_LENGTH", "original": "ORIGINAL", "perfil": "PERFIL",
                  "seeds": "SEMILLAS", "variants": "VARIANTES"}


def build_parser() -> SpanishParser:
    """El analizador de opciones de ``python -m tools.bench`` (ayuda y errores en español)."""
    p = SpanishParser(prog="python -m tools.bench", description=__doc__, add_help=False,
                      formatter_class=argparse.RawDescriptionHelpFormatter)
    add = p.add_argument
    add("-h", "--help", action="help", help="muestra esta ayuda y termina")
    add("--sections", default=",".join(DEFAULT_SECTIONS), help=f"secciones separadas por comas: {', '.join(SECTIONS)}")
    add("--device", default="auto", help="auto (por defecto), cpu, cuda o mps")
    add("--mixed-precision", choices=("auto", "off"), default="auto", help="off: todo en fp32")
    add("--cudnn-attention", action="store_true",
        help="GPU: deja el núcleo cuDNN de la atención que el curso quita (para medir lo que cuesta)")
    add("--in-process", action="store_true", help="sin subprocesos (más rápido; el pico de memoria se acumula)")
    add("--course-max-length", type=int, default=None,
        help="MAX_LENGTH del curso (también el de profile, truncation y time_to_accuracy); por defecto, el del perfil "
             "local (512)")
    speed_options = p.add_argument_group("speed y profile")
    speed_options.add_argument("--steps", type=int, default=8, help="pasos de entrenamiento medidos por configuración")
    speed_options.add_argument("--warmup-steps", type=int, default=1,
                               help="pasos de calentamiento sin medir antes de los --steps de cada configuración")
    speed_options.add_argument("--batch", type=int, default=8,
                               help="reseñas por lote (todas las secciones salvo time_to_accuracy y semillas)")
    speed_options.add_argument("--original-max-length", type=int, default=512,
                               help="longitud del cuaderno original (relleno fijo)")
    speed_options.add_argument("--mc-texts", type=int, default=100, help="reseñas de las filas de MC dropout")
    speed_options.add_argument("--mc-passes", type=int, default=5, help="pasadas de MC dropout")
    speed_options.add_argument("--mc-repeats", type=int, default=1,
                               help="medidas de cada fila de MC dropout (se da la mediana; en GPU, 3 o más)")
    speed_options.add_argument("--peak-size", type=int, default=4096,
                               help="lado de las matrices cuadradas con que se mide el pico de la máquina")
    speed_options.add_argument("--model-size", choices=("minilm", "bert-base"), default="minilm",
                               help="bert-base: el tamaño del modelo del original, con pesos aleatorios (solo speed)")
    speed_options.add_argument("--profile-steps", type=int, default=6,
                               help="pasos perfilados en la sección profile (tras 2 de calentamiento)")
    speed_options.add_argument("--profile-max-length", type=int, default=0,
                               help="MAX_LENGTH de la sección profile; 0: el del curso (--course-max-length)")
    quality_options = p.add_argument_group("max_length, truncation, recipe, adaptation y time_to_accuracy")
    quality_options.add_argument("--lengths", default="128,256,512", help="MAX_LENGTH de la sección max_length")
    quality_options.add_argument("--length-train", type=int, default=900,
                                 help="reseñas de entrenamiento de max_length y truncation")
    quality_options.add_argument("--validation", type=int, default=1000,
                                 help="reseñas de validación (de la partición de entrenamiento)")
    quality_options.add_argument("--n-test", type=int, default=1000,
                                 help="reseñas de la prueba de IMDB (truncation y time_to_accuracy)")
    quality_options.add_argument("--recipes", default=DEFAULT_RECIPES,
                                 help=f"recetas de la sección recipe, separadas por comas, cada una "
                                      f"{quality.RecipeSpec.FORM} (p. ej. {quality.RecipeSpec.EXAMPLE}); sin el "
                                      "sexto campo, el dropout de la atención de la receta del curso")
    quality_options.add_argument("--adapt-recipes", default=adaptation.ADAPT_RECIPES,
                                 help=f"casos de la sección adaptation, separados por comas, cada uno "
                                      f"{adaptation.AdaptSpec.FORM} (método: {', '.join(adaptation.ADAPT_METHODS)}; "
                                      "el congelado ignora épocas y lr)")
    quality_options.add_argument("--top-k", type=int, default=2, help="capas superiores que entrena adaptation")
    quality_options.add_argument("--original", action="store_true",
                                 help="time_to_accuracy: vuelve a medir la configuración original (más de una hora "
                                      "en 2 núcleos) y guarda la medida")
    seed_options = p.add_argument_group("semillas")
    seed_options.add_argument("--semillas", dest="seeds", metavar="SEMILLAS",
                              default=",".join(map(str, seeds.DEFAULT_SEEDS)),
                              help="semillas separadas por comas (al menos 2)")
    seed_options.add_argument("--variantes", dest="variants", metavar="VARIANTES", default=",".join(seeds.variants()),
                              help="variantes separadas por comas (por defecto, todas: "
                                   f"{', '.join(seeds.variants())})")
    seed_options.add_argument("--perfil", choices=("local", "smoke"), default="local",
                              help="perfil de cada ejecución (smoke: diminuto, para probar la sección; exige --docs)")
    seed_options.add_argument("--semillas-ejecuciones", default=None,
                              help="carpeta de las ejecuciones (por defecto build/semillas)")
    seed_options.add_argument("--solo-reunir", action="store_true",
                              help="no entrena: copia las ejecuciones terminadas y reúne las de todas las máquinas")
    out = p.add_argument_group("salidas")
    out.add_argument("--out", default=str(ROOT / "build"), help="carpeta de bench.json y bench.md (por defecto build/)")
    out.add_argument("--docs", default=None,
                     help="carpeta de las páginas (bench/) y de las cifras (resultados/); por defecto docs/")
    return p


def check(parser: SpanishParser, args: argparse.Namespace) -> list[str]:
    """Comprueba las opciones (con errores en español que dicen qué usar) y devuelve las secciones pedidas."""
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown or not sections:
        parser.error(f"--sections={args.sections!r}: sección desconocida {unknown}; usa una o varias de "
                     f"{', '.join(SECTIONS)}")
    if args.model_size == "bert-base" and sections != ["speed"]:
        parser.error(f"--model-size bert-base con --sections={args.sections!r}: sus pesos son aleatorios, solo mide "
                     "velocidad; usa --sections speed")
    for option, value, minimum in (("--steps", args.steps, 1), ("--warmup-steps", args.warmup_steps, 0),
                                   ("--mc-repeats", args.mc_repeats, 1)):
        if value < minimum:
            parser.error(f"{option}={value}: debe ser un entero mayor o igual que {minimum}")
    try:
        [int(x) for x in args.lengths.split(",")]
    except ValueError:
        parser.error(f"--lengths={args.lengths!r} no es una lista de enteros; usa p. ej. 128,256,512")
    for option, spec_type, text in (("--recipes", quality.RecipeSpec, args.recipes),
                                    ("--adapt-recipes", adaptation.AdaptSpec, args.adapt_recipes)):
        for spec in (s for s in text.split(",") if s.strip()):
            try:
                spec_type.parse(spec)
            except ValueError as error:
                parser.error(f"{option}: {error}")
    if "semillas" in sections:
        try:
            chosen = tuple(int(s) for s in args.seeds.split(",") if s.strip())
        except ValueError:
            parser.error(f"--semillas={args.seeds!r} no es una lista de enteros; usa p. ej. 42,1,2,3,4")
        seeds.plan(seeds=chosen, names=tuple(v.strip() for v in args.variants.split(",") if v.strip()))
        if args.perfil == "smoke" and args.docs is None:
            parser.error("--perfil smoke con la sección semillas: sus cifras no dicen nada y no se mezclan con las de "
                         "docs/. Solución: da otra carpeta con --docs (p. ej. --docs build/docs-smoke)")
    return [name for name in SECTIONS if name in sections]  # en el orden de SECTIONS


def reproduce(parser: SpanishParser, args: argparse.Namespace, section: Section) -> tuple[str, str]:
    """La orden que repite las cifras de ``section``: ``python -m tools.bench ...`` y ``make bench ...``, con las
    opciones dadas que cambian esas cifras (``section.options``); las carpetas de salida no cuentan."""
    python, make, extra = ["--sections", section.name], [f"BENCH_SECTIONS={section.name}"], []
    for action in parser._actions:
        value = getattr(args, action.dest, None)
        if action.dest not in section.options or value == action.default:
            continue
        tokens = [action.option_strings[-1]] + ([] if action.nargs == 0 else [str(value)])
        python += tokens
        if action.dest in MAKE_VARIABLES:
            make.append(f"{MAKE_VARIABLES[action.dest]}={1 if action.nargs == 0 else shlex.quote(str(value))}")
        else:
            extra += tokens
    if extra:
        make.append(f'BENCH_ARGS="{shlex.join(extra)}"')
    return "python -m tools.bench " + shlex.join(python), "make bench " + " ".join(make)


def page_info(section: Section, result: dict[str, Any], commands: tuple[str, str],
              base: dict[str, Any]) -> docs.PageInfo:
    """La cabecera de la página de ``section``: la de la ejecución, o la que diga el resultado (la sección semillas
    reúne ejecuciones de otras máquinas, con sus propios datos y modelo)."""
    own = result.get("header") or {}
    machine = base["machine"]
    if result.get("machines"):
        runs = "; ".join(f"{m['label']} = {m['machine']}" for m in result["machines"])
        machine = f"{machine} (la que reunió las ejecuciones); ejecuciones de: {runs}"
    return docs.PageInfo(date=base["date"], machine=machine, data=docs.data_words(own.get("data") or base["data"]),
                         model=own.get("model") or base["model"], command=commands[0], make_command=commands[1])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    sections = check(parser, args)
    commands = {name: reproduce(parser, args, SECTIONS[name]) for name in sections}
    args.lengths = [int(x) for x in args.lengths.split(",")]
    args.recipes = [quality.RecipeSpec.parse(s) for s in args.recipes.split(",") if s.strip()]
    args.adapt_recipes = [adaptation.AdaptSpec.parse(s) for s in args.adapt_recipes.split(",") if s.strip()]
    args.seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    args.variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    args.docs = Path(args.docs).resolve() if args.docs else ROOT / "docs"
    args.semillas_ejecuciones = Path(args.semillas_ejecuciones or seeds.DEFAULT_RUNS_DIR).resolve()

    import torch  # pesado: después de comprobar las opciones

    device = runtime.resolve_device(args.device)
    precision = runtime.mixed_precision(device, enabled=args.mixed_precision == "auto")
    if "profile" in sections and device != "cpu":
        # El perfil reparte el tiempo de CPU de cada operación; en GPU ese tiempo es el de encolar los núcleos.
        parser.error(f"--sections profile: el perfil solo mide en CPU y el dispositivo es {device!r}; quítala o usa "
                     "--device cpu")
    local = profiles.LOCAL_PARAMS
    if args.course_max_length is None:
        args.course_max_length = local["MAX_LENGTH"]
        print(f"MAX_LENGTH del curso: {args.course_max_length} ({profiles.LOCAL_REASONS['MAX_LENGTH']}; "
              "--course-max-length lo cambia).")
    args.course_attention_dropout = local["ATTENTION_DROPOUT"]
    machine = describe_machine(device, precision.name, mixed_precision=args.mixed_precision)
    env = Env(threads=torch.get_num_threads(), tmp=tempfile.mkdtemp(), device=device, machine=machine,
              cudnn_attention=args.cudnn_attention)
    model_name = MODEL
    if args.model_size == "bert-base":
        env = env.replace(model=speed.random_bert_base(Path(env.tmp) / "bert-base"))
        model_name = "BERT del tamaño de bert-base-uncased (110 M de parámetros), pesos aleatorios"
    if device == "cuda":
        print("Atención: " + ("con el núcleo cuDNN (--cudnn-attention)." if args.cudnn_attention
                              else "sin el núcleo cuDNN, como el curso."))
    source = data_source()
    print(f"Datos: {source}; modelo: {model_name}; máquina: {machine}")
    if source == FALLBACK_DATA:
        print(f"  No está {IMDB}: se usa {FALLBACK_DATA!r}, de pocas reseñas cortas; las cifras no representan IMDB.")

    run = run_in_process if args.in_process else run_isolated
    base = {"date": datetime.date.today().isoformat(), "machine": machine, "data": source, "model": model_name,
            "precision": precision.name, "cudnn_attention": args.cudnn_attention}
    results: dict[str, Any] = dict(base)
    tables: dict[str, str] = {}
    for name in sections:
        section = SECTIONS[name]
        print(f"\n== {name} ==", flush=True)
        results[name] = section.measure(args, run, env, precision)
        tables[name] = section.table(results[name])
        written = docs.write_section(args.docs, section, page_info(section, results[name], commands[name], base),
                                     results[name], tables[name])
        print(f"  Escrito: {', '.join(shown_path(p) for p in written)}", flush=True)
    build = Path(args.out)
    build.mkdir(parents=True, exist_ok=True)
    (build / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    heading = (f"Máquina: {machine}. Modelo: {model_name}. Datos: {'IMDB' if source != FALLBACK_DATA else source}."
               + (" Atención con cuDNN." if args.cudnn_attention else ""))
    (build / "bench.md").write_text("\n\n".join(heading + "\n\n" + t for t in tables.values()) + "\n", encoding="utf-8")
    print("\n" + "\n\n".join(tables.values()))
    print(f"\nResultados en {shown_path(build / 'bench.json')} y, por sección, en {shown_path(args.docs / 'bench')}.")
    return 0

"""Search latency on a million records, on SQLite (FTS5) and PostgreSQL, against the engines.

For each backend a subprocess (``python bench/bench_search.py --worker BACKEND``) opens the
cached index (building it first when there is none), runs the query set once to warm up and
then ``ROUNDS`` times, each query through ``libcity.search.index.search`` with facets, as the
OPAC does; then the text queries straight to the engine: FTS5 ``MATCH`` ordered by ``bm25``,
PostgreSQL ``@@`` ordered by ``ts_rank``, 20 rows, nothing else (no count, no facets, no
filters). The figures: p50 / p95 / max of ours and p50 / p95 of the engine per backend in
milliseconds, and the ratio ours / engine (what our layers add on top of the engine).

**The index.** ``RECORDS`` documents from the demo generator (``book_maker`` over the city
plan, seed 1): titles, authors, subjects, publishers, places, ISBNs, classes as the catalogue
gives them; units and districts from the generated copies, a third of the copies out on loan.
They go straight into the index (``index_documents``, 2,000 a transaction; the catalogue's
tables are not needed for search), then ``index_optimize``. The build is cached under
``var/bench-search/`` (``LIBCITY_BENCH_SEARCH_CACHE``): an SQLite file, and a PostgreSQL data
folder started on a free port for each run (``tools/run_tests.py``'s helpers, the binaries of
``find_pg_bindir``). The cache is rebuilt when its key changes: the size, the seed, the sources
of the generator, the analysis and the documents, and ``BUILD_VERSION`` (bump it when what the
backends write changes); new migrations of the search app are applied to a cached build. The
build's own figures (documents a second) are kept with it and reported again.

**Indexing speed** is measured apart, each run, into a fresh database (an SQLite file in a
temporary folder; a scratch database in the bench cluster): the first
``LIBCITY_BENCH_SEARCH_SPEED_RECORDS`` (20,000) books through ``index_documents``, analysis
and writes, documents a second (``*_index_docs_per_s``). ``*_build_docs_per_s`` is the cached
build's own rate, from the run that made it (other code, other load).

Settings: ``LIBCITY_BENCH_SEARCH_RECORDS`` (1,000,000), ``LIBCITY_BENCH_SEARCH_BACKENDS``
(``sqlite,postgresql``), ``LIBCITY_BENCH_SEARCH_ROUNDS`` (5).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RECORDS = int(os.environ.get("LIBCITY_BENCH_SEARCH_RECORDS", "1000000"))
BACKENDS = tuple(os.environ.get("LIBCITY_BENCH_SEARCH_BACKENDS", "sqlite,postgresql").split(","))
ROUNDS = int(os.environ.get("LIBCITY_BENCH_SEARCH_ROUNDS", "5"))
SPEED_RECORDS = int(os.environ.get("LIBCITY_BENCH_SEARCH_SPEED_RECORDS", "20000"))
CACHE = Path(os.environ.get("LIBCITY_BENCH_SEARCH_CACHE", REPO / "var" / "bench-search"))
SEED = 1
#: Bump when the documents written change in a way the hashed sources do not show.
BUILD_VERSION = 3
BATCH = 2000
ON_LOAN = 0.33
#: The sources whose change makes a new build (relative to the repository).
KEYED_SOURCES = (
    "src/libcity/demo/catalogue/books.py",
    "src/libcity/demo/catalogue/words.py",
    "src/libcity/demo/plan.py",
    "src/libcity/search/analysis.py",
    "src/libcity/search/documents.py",
)
#: Records whose title, author and ISBN the queries use (positions in the build, 0..1).
SAMPLES = (0.0173, 0.2291, 0.5003, 0.7777, 0.9419)
#: PostgreSQL settings of the bench cluster (a modest city server; the data stay warm).
PG_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
}

# ------------------------------------------------------------------------------ the queries


def queries(samples: list[dict]) -> list[tuple[str, dict]]:
    """(label, ``SearchRequest`` keywords): Chinese words and phrases, titles, authors,
    pinyin and initials, English, ISBNs, fields, filters, both sorts, later pages."""
    a, b, c, d, e = samples
    district, branch = "gz-yuexiu", "gz-tianhe-br001"
    return [
        ("zh word", {"q": "岭南"}),
        ("zh word broad", {"q": "中国"}),
        ("zh two words", {"q": "广州 街巷"}),
        ("zh long word", {"q": "自然语言处理"}),
        ("zh subject word", {"q": "小说"}),
        ("zh char", {"q": "国"}),
        ("zh phrase", {"q": '"十万个为什么"'}),
        ("zh title a", {"q": a["title"]}),
        ("zh title b", {"q": b["title"]}),
        ("zh title c", {"q": c["title"]}),
        ("author a", {"q": a["author"]}),
        ("author d", {"q": d["author"]}),
        ("author body", {"q": "广州市文化广电旅游局"}),
        ("pinyin word", {"q": "lingnan"}),
        ("pinyin two", {"q": "guangzhou jiexiang"}),
        ("pinyin title", {"q": "shiwangeweishenme"}),
        ("pinyin author", {"q": e["author_pinyin"]}),
        ("pinyin prefix", {"q": "biancheng jiq"}),
        ("pinyin 2-letter prefix", {"q": "zh"}),
        ("pinyin long prefix", {"q": "zhongg"}),
        ("initials", {"q": "swgwsm"}),
        ("initials prefix", {"q": "lnj"}),
        ("english word", {"q": "garden"}),
        ("english phrase", {"q": '"lantern of the south"'}),
        ("english mixed", {"q": "python 编程"}),
        ("english author", {"q": "palmer"}),
        ("isbn-13", {"q": a["isbn"]}),
        ("isbn hyphens", {"q": b["isbn_hyphens"]}),
        ("isbn-10", {"q": c["isbn10"]}),
        ("isbn field", {"q": f"isbn:{d['isbn']}"}),
        ("isbn field prefix", {"q": f"isbn:{e['isbn'][:9]}"}),
        ("title:", {"q": "title:岭南"}),
        ("title: phrase", {"q": 'title:"十万个为什么"'}),
        ("author:", {"q": f"author:{b['author']}"}),
        ("subject:", {"q": "subject:程序设计"}),
        ("publisher:", {"q": "publisher:花城"}),
        ("class:", {"q": "class:I24"}),
        ("class: broad", {"q": "class:I"}),
        ("class: and word", {"q": "class:K29 广州"}),
        ("word + district", {"q": "岭南", "districts": [district]}),
        (
            "broad + district + available",
            {"q": "小说", "districts": [district], "available_now": True},
        ),
        ("word + unit", {"q": "编程", "units": [branch]}),
        ("english + language", {"q": "the", "languages": ["eng"]}),
        ("word + years", {"q": "中国", "year_from": 2020}),
        ("word + item type", {"q": "故事", "item_types": ["children"]}),
        ("word + clc_top", {"q": "广州", "clc_top": ["K"]}),
        ("available anywhere", {"q": "英语", "available_now": True}),
        ("newest", {"q": "中国", "sort": "newest"}),
        ("newest later page", {"q": "编程", "sort": "newest", "page": 3}),
        ("relevance later page", {"q": "岭南", "page": 5}),
        ("broad later page", {"q": "中国", "page": 10}),
        ("browse", {"q": ""}),
        ("browse district available", {"q": "", "districts": [district], "available_now": True}),
        ("browse later page", {"q": "", "page": 20}),
        ("no match", {"q": "qwxzv"}),
    ]


# ------------------------------------------------------------------------------- the figures


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` 0..1) of some values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(percentile(times, 0.95) * 1000, 2),
        "max_ms": round(max(times) * 1000, 2),
    }


def run() -> dict:
    figures: dict = {"records": RECORDS, "seed": SEED, "rounds": ROUNDS}
    for backend in BACKENDS:
        figures.update(measure(backend.strip()))
    return figures


def measure(backend: str) -> dict:
    """The figures of one backend, from a subprocess of its own (Django takes one database
    a process)."""
    key = build_key()
    if backend == "sqlite":
        database = CACHE / f"sqlite-{RECORDS}-{key}.sqlite3"
        _drop_stale(f"sqlite-{RECORDS}-", database.name)
        figures = _worker("--latency", f"sqlite:///{database}", database.with_suffix(".json"))
        scratch = Path(tempfile.mkdtemp(prefix="libcity-bench-search-"))
        try:
            figures.update(_worker("--speed", f"sqlite:///{scratch / 'speed.sqlite3'}"))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return figures
    if backend == "postgresql":
        folder = CACHE / f"postgresql-{RECORDS}-{key}"
        _drop_stale(f"postgresql-{RECORDS}-", folder.name)
        with bench_cluster(folder) as url:
            figures = _worker("--latency", url, folder.with_suffix(".json"))
            with scratch_database(url) as scratch:
                figures.update(_worker("--speed", scratch))
            return figures
    raise SystemExit(f"no such backend: {backend}")


def _worker(task: str, url: str, build_file: Path | None = None) -> dict:
    """``--latency`` (on the cached build, made first when missing) or ``--speed`` (a fresh
    database) in a subprocess on the database ``url``; its figures."""
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="libcity.config.settings",
               LIBCITY_HOME=str(CACHE / "home"))  # fmt: skip
    cmd = [sys.executable, __file__, task, *([str(build_file)] if build_file else [])]
    done = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{task} worker on {url} exited {done.returncode}:\n{tail}")
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_key() -> str:
    digest = hashlib.sha256(f"{RECORDS}|{SEED}|{BUILD_VERSION}|{ON_LOAN}".encode())
    for name in KEYED_SOURCES:
        path = REPO / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def _drop_stale(prefix: str, keep: str) -> None:
    """Old builds of this size (another key) go: one build a size and backend is kept."""
    if not CACHE.exists():
        return
    for old in CACHE.glob(f"{prefix}*"):
        if not old.name.startswith(keep.split(".")[0]):
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()


# ------------------------------------------------------------------------- the bench cluster


def _run_tests_module():
    spec = importlib.util.spec_from_file_location("run_tests", REPO / "tools" / "run_tests.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def bench_cluster(folder: Path) -> Iterator[str]:
    """A PostgreSQL cluster whose data stay in ``folder`` between runs (made on first use
    with ``tools/run_tests.py``'s initdb), started on a free port and stopped afterwards."""
    tools = _run_tests_module()
    bindir = tools.find_pg_bindir()
    if bindir is None:
        raise RuntimeError(tools.MISSING_POSTGRES)
    if not (folder / "data" / "PG_VERSION").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        if os.geteuid() == 0:
            user = tools._postgres_user()
            os.chown(folder, user.pw_uid, user.pw_gid)
        tools._initdb(bindir, folder)
        with (folder / "data" / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = '{value}'\n" for name, value in PG_SETTINGS.items())
    port = tools.find_free_port()
    try:
        tools._pg_ctl_start(bindir, folder, port)
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        tools._pg_ctl_stop(bindir, folder)


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A fresh database in the bench cluster, dropped afterwards."""
    import psycopg

    name = "bench_index_speed"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name}")


# ---------------------------------------------------------------------------- the workers


def latency_worker(build_file: Path) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "search", verbosity=0)
    if not build_file.exists():
        build(build_file)
    built = json.loads(build_file.read_text())
    figures = {f"{connection.vendor}_{name}": value for name, value in built["figures"].items()}
    figures.update(latency(connection.vendor, queries(built["samples"])))
    return figures


def speed_worker() -> dict:
    """Documents a second through ``index_documents`` (analysis and writes) into a fresh
    index: the first ``SPEED_RECORDS`` generated books, ``BATCH`` a transaction, the analysis
    caches cold at the start as in a new process."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from libcity.search.index import index_documents

    call_command("migrate", "search", verbosity=0)
    batches = list(document_batches(SPEED_RECORDS))
    started = time.perf_counter()
    for batch in batches:
        with transaction.atomic():
            index_documents(batch)
    seconds = time.perf_counter() - started
    return {
        f"{connection.vendor}_index_docs_per_s": round(SPEED_RECORDS / seconds),
        f"{connection.vendor}_index_sample": SPEED_RECORDS,
    }


def build(build_file: Path) -> None:
    """Migrate, write ``RECORDS`` documents, optimise; the figures and the samples go to
    ``build_file``, written last (its presence says the build is complete)."""
    from django.db import connection, transaction

    from libcity.search.index import index_clear, index_documents, index_optimize

    index_clear()
    wanted = {max(1, int(share * RECORDS)) for share in SAMPLES}
    samples, written, analysed = {}, 0, 0.0
    started = time.perf_counter()
    for batch in document_batches():
        samples.update({doc.record_id: doc for doc in batch if doc.record_id in wanted})
        before = time.perf_counter()
        with transaction.atomic():
            written += index_documents(batch)
        analysed += time.perf_counter() - before
        if written % 100_000 == 0:
            print(f"{connection.vendor}: {written} documents", file=sys.stderr, flush=True)
    before = time.perf_counter()
    index_optimize()
    optimised = time.perf_counter() - before
    figures = {
        "build_records": written,
        "build_docs_per_s": round(written / analysed),
        "optimize_seconds": round(optimised, 1),
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    record = {"figures": figures, "samples": [_sample(samples[i]) for i in sorted(wanted)]}
    build_file.write_text(json.dumps(record, ensure_ascii=False, indent=1))


def document_batches(records: int = RECORDS):
    """``records`` generated books as ``SearchDocument``s, ``BATCH`` at a time."""
    from libcity.catalogue.policies import clc_top
    from libcity.demo.catalogue.books import book_maker
    from libcity.demo.plan import SCALES, city_plan
    from libcity.search.documents import SearchDocument

    plan = city_plan(SCALES["city"], SEED)
    district_of = {u.code: f"gz-{u.district}" for u in plan.units if u.district}
    loans = random.Random(f"libcity-bench-search-{SEED}")
    batch = []
    for number, book in enumerate(book_maker(plan, SEED).books(records, records * 4), start=1):
        data = book.data
        units = sorted({unit for unit, _status in book.copies})
        shelf = sorted({u for u, status in book.copies
                        if status == "available" and loans.random() >= ON_LOAN})  # fmt: skip
        batch.append(SearchDocument(
            record_id=number, title=_lines(data.title, *data.alt_titles),
            author=_lines(*data.authors, *data.alt_authors, data.responsibility),
            subject=_lines(*data.subjects), publisher=data.publisher, isbn=_lines(*data.isbns),
            clc=data.clc, other=data.place, year=data.year, language=data.language,
            clc_top=clc_top(data.clc), item_types=[book.item_type], units=units,
            districts=sorted({district_of[u] for u in units if u in district_of}),
            available_units=shelf,
            available_districts=sorted({district_of[u] for u in shelf if u in district_of}),
        ))  # fmt: skip
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _lines(*values) -> str:
    found = (str(v).strip() for v in values if v is not None)
    return "\n".join(dict.fromkeys(v for v in found if v))


def _sample(doc) -> dict:
    """What the queries take from a record: its title, first author (and its pinyin), ISBN."""
    from pypinyin import lazy_pinyin
    from stdnum import isbn

    author = doc.author.splitlines()[0]
    return {
        "record_id": doc.record_id,
        "title": doc.title.splitlines()[0],
        "author": author,
        "author_pinyin": "".join(lazy_pinyin(author)),
        "isbn": doc.isbn.splitlines()[0],
        "isbn_hyphens": isbn.format(doc.isbn.splitlines()[0]),
        "isbn10": isbn.to_isbn10(doc.isbn.splitlines()[0]),
    }


def latency(backend: str, cases: list[tuple[str, dict]]) -> dict:
    """Ours and the engine's, per backend: warm-up, then ``ROUNDS`` rounds of every query."""
    from libcity.search.index import search
    from libcity.search.query import SearchRequest

    ours: dict[str, list[float]] = {label: [] for label, _ in cases}
    engine: dict[str, list[float]] = {label: [] for label, kw in cases if kw["q"]}
    counts = {}
    for round_number in range(ROUNDS + 1):
        for label, kw in cases:
            started = time.perf_counter()
            result = search(SearchRequest(**kw))
            took = time.perf_counter() - started
            if round_number:
                ours[label].append(took)
            counts[label] = result.count if result.count_exact else f">{result.count}"
            if label in engine:
                took = engine_query(kw["q"])
                if round_number:
                    engine[label].append(took)
    mine = [t for times in ours.values() for t in times]
    theirs = [t for times in engine.values() for t in times]
    text_ours = [t for label in engine for t in ours[label]]
    figures = {f"ours_{k}": v for k, v in summary(mine).items()}
    figures.update({f"ours_text_{k}": v for k, v in summary(text_ours).items()})
    figures.update({f"engine_{k}": v for k, v in summary(theirs).items()})
    for name in ("p50_ms", "p95_ms"):
        figures[f"ratio_{name[:3]}"] = round(
            figures[f"ours_text_{name}"] / figures[f"engine_{name}"], 2
        )
    figures["queries"] = len(cases)
    figures["slowest"] = sorted(
        ((label, round(max(times) * 1000, 1), counts[label]) for label, times in ours.items()),
        key=lambda item: -item[1],
    )[:5]
    return {f"{backend}_{k}": v for k, v in figures.items()}


def engine_query(q: str) -> float:
    """The seconds the engine alone takes for ``q``'s terms: 20 rows by its own rank."""
    from django.db import connection

    from libcity.search.backends.postgres import tsquery_term
    from libcity.search.backends.sqlite import fts_term
    from libcity.search.query import parse_query

    terms = parse_query(q)
    if not terms:
        return 0.0
    if connection.vendor == "sqlite":
        sql = ("SELECT rowid FROM search_text WHERE search_text MATCH %s "
               "ORDER BY bm25(search_text) LIMIT 20")  # fmt: skip
        params = [" AND ".join(fts_term(t) for t in terms)]
    else:
        sql = ("SELECT record_id FROM search_document WHERE document @@ %s::tsquery "
               "ORDER BY ts_rank(document, %s::tsquery) DESC LIMIT 20")  # fmt: skip
        params = [" & ".join(tsquery_term(t) for t in terms)] * 2
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.fetchall()
    return time.perf_counter() - started


if __name__ == "__main__":
    if sys.argv[1:2] in (["--latency"], ["--speed"]):
        import django

        django.setup()
        done = latency_worker(Path(sys.argv[2])) if sys.argv[1] == "--latency" else speed_worker()
        print(json.dumps(done, ensure_ascii=False))
    else:
        for key, value in run().items():
            print(f"{key}: {value}")

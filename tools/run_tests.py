#!/usr/bin/env python3
"""Run the whole check: lint, then pytest on SQLite, then pytest on a throwaway PostgreSQL.

Usage: ``python tools/run_tests.py [PYTEST ARGS...]`` (``make test ARGS="-k loans -x"``).

1. ``ruff check`` and ``lint-imports``; a failure is reported and makes the run fail, but the
   tests still run so one run shows everything.
2. pytest with the default settings (SQLite) and ``LIBCITY_HOME`` in a fresh temporary folder,
   so the developer's ``var/`` is never touched.
3. A PostgreSQL cluster made for this run alone (initdb in a temporary folder, a free port on
   127.0.0.1, no fsync), the same pytest with ``DATABASE_URL=postgres://...``; the cluster is
   stopped and its folder removed afterwards, also on Ctrl-C and on failures.

Without PostgreSQL binaries the second half is skipped with a message, unless
``LIBCITY_REQUIRE_POSTGRES=1``, which makes that a failure. ``LIBCITY_PG_BINDIR`` names the
folder holding ``initdb`` and ``pg_ctl`` and then is the only place looked at (set it to a
folder that does not exist to act as if PostgreSQL were absent). ``LIBCITY_SKIP_LINT=1`` skips
step 1.

Exit status: 0 when every step passed, 1 otherwise. pytest's exit 5 (no tests collected)
counts as a failure. Standard library only: this runs before anything is known to work.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ROOTS = ("/usr/lib/postgresql", "/usr/local/pgsql")
MISSING_POSTGRES = "PostgreSQL binaries not found: skipping the PostgreSQL half"
PYTEST_EXIT_MEANINGS = {
    0: "all passed",
    1: "tests failed",
    2: "interrupted",
    3: "internal error",
    4: "usage error",
    5: "no tests collected",
}


@dataclass
class StepResult:
    """The outcome of one step of the run, as shown in the summary."""

    name: str
    ok: bool
    detail: str
    counts: dict[str, int] | None = field(default=None)


# ---------------------------------------------------------------------------- small helpers


def header(title: str) -> None:
    line = "=" * max(10, 76 - len(title))
    print(f"\n{'=' * 4} {title} {line}", flush=True)


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def tool_path(name: str) -> str | None:
    """A console script of the running interpreter's environment, else one on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    return shutil.which(name)


def find_free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _version_key(path: Path) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> (15,); a name that is no version sorts first."""
    numbers = re.findall(r"\d+", path.parent.name)
    return tuple(int(n) for n in numbers) if numbers else (-1,)


def _has_pg_binaries(folder: Path) -> bool:
    return all(os.access(folder / name, os.X_OK) for name in ("initdb", "pg_ctl"))


def find_pg_bindir(
    env: Mapping[str, str] | None = None, roots: Sequence[str] = PG_ROOTS
) -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None.

    ``LIBCITY_PG_BINDIR`` wins and is then the only place looked at; else PATH; else the
    newest version under ``roots`` (Debian's ``/usr/lib/postgresql/<version>/bin``).
    """
    env = os.environ if env is None else env
    forced = env.get("LIBCITY_PG_BINDIR")
    if forced:
        return Path(forced) if _has_pg_binaries(Path(forced)) else None
    on_path = shutil.which("initdb", path=env.get("PATH", ""))
    if on_path:
        folder = Path(on_path).parent
        if _has_pg_binaries(folder):
            return folder
    candidates = [
        Path(found)
        for root in roots
        for found in glob.glob(os.path.join(root, "*", "bin"))
        if _has_pg_binaries(Path(found))
    ]
    return max(candidates, key=_version_key) if candidates else None


def missing_postgres_result(env: Mapping[str, str] | None = None) -> StepResult:
    """What a run without PostgreSQL binaries comes to: a skip, or a failure when required."""
    env = os.environ if env is None else env
    if truthy(env.get("LIBCITY_REQUIRE_POSTGRES")):
        return StepResult(
            "postgresql",
            False,
            f"FAILED: {MISSING_POSTGRES}, but LIBCITY_REQUIRE_POSTGRES=1 requires it",
        )
    return StepResult("postgresql", True, f"skipped ({MISSING_POSTGRES})")


def exit_code(results: Sequence[StepResult]) -> int:
    return 0 if results and all(r.ok for r in results) else 1


# ---------------------------------------------------------------------- throwaway cluster


def _postgres_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def _as_cluster_owner(cmd: list[str]) -> tuple[list[str], dict]:
    """The command and Popen options that run ``cmd`` as the cluster's owner.

    initdb refuses to run as root, so as root the ``postgres`` system user runs it.
    """
    if os.geteuid() != 0:
        return cmd, {}
    user = _postgres_user()
    if user is None:
        raise RuntimeError("running as root needs a 'postgres' system user to run initdb")
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
    )
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd], {}
    return cmd, {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _run_pg(cmd: list[str], cwd: Path, **popen) -> subprocess.CompletedProcess:
    full, extra = _as_cluster_owner(cmd)
    return subprocess.run(
        full, cwd=cwd, capture_output=True, text=True, check=False, **extra, **popen
    )


def _initdb(bindir: Path, base: Path) -> None:
    data = base / "data"
    common = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    tries = (["-E", "UTF8", "--locale=C.UTF-8"], ["-E", "UTF8", "--no-locale"])
    for options in tries:
        done = _run_pg([*common, *options], cwd=base)
        if done.returncode == 0:
            return
        shutil.rmtree(data, ignore_errors=True)
    raise RuntimeError(f"initdb failed:\n{done.stdout}{done.stderr}")


def _pg_ctl_start(bindir: Path, base: Path, port: int, *, autovacuum: bool = True) -> None:
    server_options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
    )
    if not autovacuum:
        server_options += " -c autovacuum=off"
    cmd = [str(bindir / "pg_ctl"), "-D", str(base / "data"), "-o", server_options]
    # A session of its own: a Ctrl-C in the terminal reaches us, and we stop the server.
    done = _run_pg([*cmd, "-w", "-l", str(base / "log"), "start"], cwd=base, start_new_session=True)
    if done.returncode != 0:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed:\n{done.stdout}{done.stderr}{log}")


def _pg_ctl_stop(bindir: Path, base: Path) -> None:
    data = str(base / "data")
    if not (base / "data" / "postmaster.pid").exists():
        return
    for mode in ("fast", "immediate"):
        done = _run_pg([str(bindir / "pg_ctl"), "-D", data, "-m", mode, "-w", "stop"], cwd=base)
        if done.returncode == 0:
            return
    print(f"warning: could not stop PostgreSQL in {base}: {done.stderr}", file=sys.stderr)


@dataclass(frozen=True)
class Cluster:
    url: str  # postgres://postgres@127.0.0.1:PORT/postgres, no password (trust)
    folder: Path  # data/, log and the Unix socket; removed when the cluster goes


@contextlib.contextmanager
def throwaway_postgres(bindir: Path, *, autovacuum: bool = True) -> Iterator[Cluster]:
    """A PostgreSQL cluster for this run alone. The tests run it without autovacuum: their
    rows are written inside transactions never committed, and an autovacuum that counts a
    table while a test has filled it records it as empty, so the planner picks plans made
    for empty tables (nested loops over thousands of rows: minutes for one query).

    The cluster lives in a ``tempfile.mkdtemp`` folder that is removed on the way out, however
    the block ends.
    """
    base = Path(tempfile.mkdtemp(prefix="libcity-pg-"))
    try:
        if os.geteuid() == 0:
            user = _postgres_user()
            if user is None:
                raise RuntimeError("running as root needs a 'postgres' system user")
            os.chown(base, user.pw_uid, user.pw_gid)
        _initdb(bindir, base)
        port = find_free_port()
        try:
            _pg_ctl_start(bindir, base, port, autovacuum=autovacuum)
            yield Cluster(f"postgres://postgres@127.0.0.1:{port}/postgres", base)
        finally:
            _pg_ctl_stop(bindir, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -------------------------------------------------------------------------------- steps


def run_lint() -> StepResult:
    header("lint: ruff check, lint-imports")
    failed = []
    for name, args in (("ruff", ["check", "."]), ("lint-imports", [])):
        exe = tool_path(name)
        if exe is None:
            print(f"{name} not found (pip install -e '.[dev]')", flush=True)
            failed.append(name)
            continue
        print(f"$ {name} {' '.join(args)}".rstrip(), flush=True)
        if subprocess.run([exe, *args], cwd=REPO, check=False).returncode != 0:
            failed.append(name)
    if failed:
        return StepResult("lint", False, f"FAILED: {', '.join(failed)}")
    return StepResult("lint", True, "ok")


def read_junit_counts(path: Path) -> dict[str, int] | None:
    """passed / failed / skipped from pytest's JUnit XML, or None when it is not there."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        return None
    total = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors")}
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    failed = total["failures"] + total["errors"]
    return {"passed": total["tests"] - failed - skipped, "failed": failed, "skipped": skipped}


def run_pytest(name: str, pytest_args: Sequence[str], database_url: str | None) -> StepResult:
    """pytest with its own ``LIBCITY_HOME`` and the given database (None: SQLite default)."""
    home = Path(tempfile.mkdtemp(prefix=f"libcity-test-{name}-"))
    try:
        env = dict(os.environ, LIBCITY_HOME=str(home))
        env.pop("DATABASE_URL", None)
        if database_url:
            env["DATABASE_URL"] = database_url
        junit = home / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", f"--junitxml={junit}", *pytest_args]
        print(f"$ DATABASE_URL={database_url or '(default SQLite)'} {' '.join(cmd)}", flush=True)
        started = time.monotonic()
        code = subprocess.run(cmd, cwd=REPO, env=env, check=False).returncode
        seconds = time.monotonic() - started
        counts = read_junit_counts(junit) if code in (0, 1) else None
    finally:
        shutil.rmtree(home, ignore_errors=True)
    meaning = PYTEST_EXIT_MEANINGS.get(code, "unexpected exit")
    detail = f"pytest exit {code} ({meaning}) in {seconds:.1f} s"
    return StepResult(name, code == 0, detail if code == 0 else f"FAILED: {detail}", counts)


def run_postgres_half(pytest_args: Sequence[str]) -> StepResult:
    header("tests on PostgreSQL (throwaway cluster)")
    bindir = find_pg_bindir()
    if bindir is None:
        result = missing_postgres_result()
        print(result.detail, flush=True)
        return result
    print(f"PostgreSQL binaries: {bindir}", flush=True)
    try:
        with throwaway_postgres(bindir, autovacuum=False) as cluster:
            print(f"cluster up at {cluster.url} in {cluster.folder}", flush=True)
            return run_pytest("postgresql", pytest_args, cluster.url)
    except RuntimeError as error:
        print(error, file=sys.stderr, flush=True)
        return StepResult("postgresql", False, f"FAILED: cluster did not start ({error})")


def print_summary(results: Sequence[StepResult]) -> None:
    header("summary")
    for r in results:
        print(f"{r.name}: {r.detail}")
    print("result: " + ("OK" if exit_code(results) == 0 else "FAILED"))
    # Last, one line per backend in the plain 'N passed, N failed, N skipped' form.
    for r in results:
        if r.counts is not None:
            c = r.counts
            print(f"{r.name}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")
    sys.stdout.flush()


def _raise_interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: Sequence[str] | None = None) -> int:
    pytest_args = list(sys.argv[1:] if argv is None else argv)
    # SIGTERM and SIGHUP unwind like Ctrl-C, so the cluster is stopped and removed.
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    results: list[StepResult] = []
    try:
        if not truthy(os.environ.get("LIBCITY_SKIP_LINT")):
            results.append(run_lint())
        header("tests on SQLite (default settings)")
        results.append(run_pytest("sqlite", pytest_args, None))
        results.append(run_postgres_half(pytest_args))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        results.append(StepResult("run", False, "FAILED: interrupted"))
    print_summary(results)
    return exit_code(results)


if __name__ == "__main__":
    sys.exit(main())

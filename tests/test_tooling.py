"""The test harness itself: tools/run_tests.py's helpers, and one real throwaway cluster."""

from __future__ import annotations

import importlib.util
import os
import socket
import stat
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load_run_tests():
    spec = importlib.util.spec_from_file_location("run_tests", REPO / "tools" / "run_tests.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


run_tests = _load_run_tests()


def _fake_bindir(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("initdb", "pg_ctl"):
        tool = folder / name
        tool.write_text("#!/bin/sh\nexit 0\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    return folder


def test_free_port_is_bindable():
    port = run_tests.find_free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))


def test_bindir_finder_prefers_newest_version(tmp_path):
    root = tmp_path / "postgresql"
    for version in ("9.6", "13", "15", "16"):
        _fake_bindir(root / version / "bin")
    (root / "17" / "bin").mkdir(parents=True)  # no binaries: not a candidate
    found = run_tests.find_pg_bindir(env={"PATH": ""}, roots=[str(root)])
    assert found == root / "16" / "bin"


def test_bindir_finder_takes_path_first(tmp_path):
    on_path = _fake_bindir(tmp_path / "custom" / "bin")
    _fake_bindir(tmp_path / "postgresql" / "16" / "bin")
    found = run_tests.find_pg_bindir(
        env={"PATH": str(on_path)}, roots=[str(tmp_path / "postgresql")]
    )
    assert found == on_path


def test_bindir_finder_honours_forced_folder(tmp_path):
    _fake_bindir(tmp_path / "postgresql" / "16" / "bin")
    roots = [str(tmp_path / "postgresql")]
    missing = {"LIBCITY_PG_BINDIR": str(tmp_path / "nonexistent"), "PATH": ""}
    assert run_tests.find_pg_bindir(env=missing, roots=roots) is None
    forced = _fake_bindir(tmp_path / "forced")
    env = {"LIBCITY_PG_BINDIR": str(forced), "PATH": ""}
    assert run_tests.find_pg_bindir(env=env, roots=roots) == forced


def test_bindir_finder_finds_nothing(tmp_path):
    assert run_tests.find_pg_bindir(env={"PATH": ""}, roots=[str(tmp_path)]) is None


def test_missing_postgres_is_a_skip_by_default():
    result = run_tests.missing_postgres_result(env={})
    assert result.ok
    assert run_tests.MISSING_POSTGRES in result.detail
    assert run_tests.exit_code([run_tests.StepResult("sqlite", True, "ok"), result]) == 0


def test_missing_postgres_fails_when_required():
    result = run_tests.missing_postgres_result(env={"LIBCITY_REQUIRE_POSTGRES": "1"})
    assert not result.ok
    assert run_tests.MISSING_POSTGRES in result.detail
    assert run_tests.exit_code([run_tests.StepResult("sqlite", True, "ok"), result]) == 1


def test_exit_code_needs_every_step_and_at_least_one():
    ok, bad = run_tests.StepResult("a", True, "ok"), run_tests.StepResult("b", False, "x")
    assert run_tests.exit_code([ok, ok]) == 0
    assert run_tests.exit_code([ok, bad]) == 1
    assert run_tests.exit_code([]) == 1


def test_junit_counts(tmp_path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite tests="7" failures="1" errors="1" skipped="2"/></testsuites>'
    )
    assert run_tests.read_junit_counts(junit) == {"passed": 3, "failed": 2, "skipped": 2}
    assert run_tests.read_junit_counts(tmp_path / "absent.xml") is None


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs once, in the SQLite half",
)
@pytest.mark.skipif(run_tests.find_pg_bindir() is None, reason="no PostgreSQL binaries")
def test_throwaway_cluster_starts_answers_and_is_removed_even_on_failure():
    import psycopg

    class Boom(Exception):
        pass

    with pytest.raises(Boom), run_tests.throwaway_postgres(run_tests.find_pg_bindir()) as cluster:
        assert (cluster.folder / "data" / "postmaster.pid").exists()
        with psycopg.connect(cluster.url, connect_timeout=10) as conn:
            assert conn.execute("SHOW fsync").fetchone() == ("off",)
        raise Boom  # a failing test run: the cluster must still go
    assert not cluster.folder.exists()

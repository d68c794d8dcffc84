"""A run is all or nothing: interruptions, kills, full disks and bad arguments leave no
half-written run and never touch earlier runs; every error is one line with status 2."""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from runs_helpers import FAST_ARGS, make_run, tree_digest

import bubblescope.store.job as job
from bubblescope.io.errors import InputError


def error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    return [ln for ln in err.splitlines() if ln.startswith("error:")]


@pytest.fixture
def earlier(tmp_path):
    """An earlier run in ``tmp_path`` and the digest of the whole folder."""
    make_run(tmp_path)
    return tree_digest(tmp_path)


def test_keyboard_interrupt_mid_write(cli, tmp_path, earlier, monkeypatch) -> None:
    real = job.write_tables
    seen = []

    def half(folder, tables):
        first = dict(list(tables.items())[:3])
        real(folder, first)                                  # some tables are on disk
        seen.append(sorted(p.name for p in (folder / "tables").iterdir()))
        raise KeyboardInterrupt

    monkeypatch.setattr(job, "write_tables", half)
    r = cli("run", *FAST_ARGS, "--out", tmp_path)
    assert r.code == 130 and "Traceback" not in r.err
    assert "interrupted: no run folder was written" in r.err
    assert len(seen[0]) == 3
    assert tree_digest(tmp_path) == earlier                  # nothing new, nothing changed
    assert [p.name for p in tmp_path.iterdir()] == ["20260102-030405-ai-2025"]


def test_interrupt_during_a_scenario(tmp_path, earlier, monkeypatch) -> None:
    calls = []

    def stop(scen, mc, secs):
        calls.append(scen.name)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        job.run_job(job.RunSpec(out=tmp_path, scenarios=["slow", "refuted"], paths=10,
                                horizon="2026Q4", runner="serial", report=False,
                                progress=False),
                    on_scenario=stop)
    assert calls == ["slow"]
    assert tree_digest(tmp_path) == earlier
    assert len(list(tmp_path.iterdir())) == 1


def test_disk_full(cli, tmp_path, earlier, monkeypatch) -> None:
    real = pd.DataFrame.to_parquet
    count = []

    def full(self, path, *a, **kw):
        count.append(path)
        if len(count) > 4:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    r = cli("run", *FAST_ARGS, "--out", tmp_path)
    assert r.code == 2
    (line,) = error_lines(r.err)
    assert "disk full" in line and str(tmp_path) in line
    assert tree_digest(tmp_path) == earlier
    assert len(list(tmp_path.iterdir())) == 1


def test_existing_run_folder(cli, tmp_path, earlier, monkeypatch) -> None:
    monkeypatch.setattr(job, "run_id", lambda name, when: "20260102-030405-ai-2025")
    r = cli("run", *FAST_ARGS, "--out", tmp_path)
    assert r.code == 2
    (line,) = error_lines(r.err)
    assert "already exists" in line
    assert tree_digest(tmp_path) == earlier
    with pytest.raises(InputError, match="already exists"):
        make_run(tmp_path)                                   # the same second again


def test_unwritable_out(cli, tmp_path, monkeypatch) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    for out, what in ((afile, "not a folder"), (afile / "runs", "not a folder")):
        r = cli("run", *FAST_ARGS, "--out", out)
        assert r.code == 2, r.err
        (line,) = error_lines(r.err)
        assert what in line or "could not be written" in line, line
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if (
        str(p) == str(ro) and mode & os.W_OK) else real_access(p, mode, **kw))
    r = cli("run", *FAST_ARGS, "--out", ro)
    assert r.code == 2
    (line,) = error_lines(r.err)
    assert "not writable" in line
    assert list(ro.iterdir()) == []


@pytest.mark.parametrize("args, text", [
    (("--paths", "0"), "--paths"),
    (("--seed", "-1"), "--seed"),
    (("--scenarios", "no-such-scenario"), "no-such-scenario"),
    (("--runner", "threads"), "--runner"),
    (("--horizon", "1999Q1"), "--horizon"),
])
def test_bad_arguments(cli, tmp_path, args, text) -> None:
    r = cli("run", *FAST_ARGS, *args, "--out", tmp_path / "runs")
    assert r.code == 2, r.err
    (line,) = error_lines(r.err)
    assert text in line
    assert not (tmp_path / "runs").exists() or not list((tmp_path / "runs").iterdir())


def test_sigkill_leaves_no_run_and_next_run_cleans_up(cli, tmp_path, earlier) -> None:
    cmd = [sys.executable, "-m", "bubblescope", "run", "--scenarios", "slow,refuted",
           "--paths", "3000", "--horizon", "2030Q4", "--runner", "serial", "--no-report",
           "--out", str(tmp_path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        staging = []
        while time.monotonic() < deadline and not staging:
            staging = [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
            time.sleep(0.05)
        assert staging, "the run never started writing"
        time.sleep(0.5)                                      # mid-run
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["20260102-030405-ai-2025", staging[0].name])
    assert {k: v for k, v in tree_digest(tmp_path).items()
            if not k.startswith(".tmp-")} == earlier         # earlier run byte-identical
    r = cli("runs", "list", "--out", tmp_path, "--json")
    assert [x["id"] for x in __import__("json").loads(r.out)] == ["20260102-030405-ai-2025"]
    make_run(tmp_path, dt.datetime(2026, 1, 2, 3, 4, 9, tzinfo=dt.UTC))
    assert not staging[0].exists()                          # the dead run's staging is gone

"""An atomic run folder: everything is built in a hidden staging folder inside the output
folder and renamed into place only when complete.

An interrupted run (an exception, Ctrl-C, a full disk) removes its staging folder; a run
killed outright leaves only a hidden ``.tmp-<id>-<pid>`` folder, which ``runs list``
ignores and the next run removes once that process is gone. Earlier runs are never
touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from ..io.errors import InputError

#: Prefix of staging folders inside the output folder.
STAGING_PREFIX = ".tmp-"
_STAGING = re.compile(r"^\.tmp-.+-(\d+)$")


def run_id(network: str, when: dt.datetime) -> str:
    """``YYYYmmdd-HHMMSS-<network>`` (UTC), the run folder's name.

    >>> run_id("ai-2025", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    '20260102-030405-ai-2025'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", network) or "network"
    return f"{when.astimezone(dt.UTC):%Y%m%d-%H%M%S}-{safe}"


def os_error(path: Path, exc: OSError) -> InputError:
    """A one-line InputError for an OSError while writing under ``path``."""
    if exc.errno == errno.ENOSPC:
        return InputError.single(path, "disk full: the run could not be written "
                                       "(nothing was kept; earlier runs are untouched)")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return InputError.single(path, "folder is not writable")
    return InputError.single(path, f"could not be written: {exc.strerror or exc}")


def prepare_out(out: Path) -> Path:
    """Create the output folder if needed and check it is writable; return it.

    Raises InputError (one line) when it is not a folder or cannot be written.
    """
    if out.exists() and not out.is_dir():
        raise InputError.single(out, "not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(out, exc) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError.single(out, "folder is not writable")
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove staging folders left in ``out`` by runs whose process no longer exists."""
    removed = []
    with contextlib.suppress(OSError):
        for p in out.iterdir():
            m = _STAGING.match(p.name)
            if m and p.is_dir() and int(m.group(1)) != os.getpid() and not _alive(
                    int(m.group(1))):
                shutil.rmtree(p, ignore_errors=True)
                removed.append(p)
    return removed


def fsync_tree(root: Path) -> None:
    """fsync every file and folder below ``root`` (and ``root``)."""
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged_run(out: Path, rid: str) -> Iterator[Path]:
    """Yield a staging folder ``out/.tmp-<rid>-<pid>`` that becomes ``out/<rid>`` when the
    block completes; on any exception (KeyboardInterrupt included) it is removed and the
    exception propagates (an OSError as a one-line InputError).

    Raises InputError if ``out/<rid>`` already exists or ``out`` cannot be written.
    """
    prepare_out(out)
    target = out / rid
    _check_free(target)
    clean_stale(out)
    staging = out / f"{STAGING_PREFIX}{rid}-{os.getpid()}"
    try:
        staging.mkdir()
    except OSError as exc:
        raise os_error(out, exc) from None
    try:
        yield staging
        fsync_tree(staging)
        _check_free(target)          # another run may have taken the name meanwhile
        os.rename(staging, target)
        _fsync_dir(out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise os_error(out, exc) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _check_free(target: Path) -> None:
    if target.exists():
        raise InputError.single(target, "run folder already exists; wait a second or "
                                        "choose another --out")


@contextlib.contextmanager
def replaced_files(folder: Path, names: list[str]) -> Iterator[Path]:
    """Yield a staging folder inside ``folder``; when the block completes, each top-level
    entry written there replaces the one of the same name in ``folder`` (one rename each;
    old entries of those names are removed first only for folders). On any exception the
    staging folder is removed and ``folder`` is unchanged."""
    staging = folder / f"{STAGING_PREFIX}rebuild-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
    except OSError as exc:
        raise os_error(folder, exc) from None
    try:
        yield staging
        fsync_tree(staging)
        for name in names:
            src, dst = staging / name, folder / name
            if not src.exists():
                continue
            if src.is_dir():
                old = folder / f"{STAGING_PREFIX}old-{name}-{os.getpid()}"
                if dst.exists():
                    os.rename(dst, old)
                os.rename(src, dst)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(src, dst)
        _fsync_dir(folder)
    except OSError as exc:
        raise os_error(folder, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


__all__ = ["STAGING_PREFIX", "clean_stale", "fsync_tree", "os_error", "prepare_out",
           "replaced_files", "run_id", "staged_run"]

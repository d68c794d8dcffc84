"""Write files and folders so that a reader never sees half of them.

Everything is written into a temporary sibling first and renamed into place at the end;
an existing target is never touched unless the caller asks to replace it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError


def _check_target(target: Path, replace: bool) -> None:
    if target.exists() and not replace:
        raise InputError.single(target, "already exists; choose another path "
                                        "(or pass --force to replace it)")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        raise InputError.single(parent, "folder does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError.single(parent, "folder is not writable")


def write_text_atomic(target: Path, text: str, *, replace: bool = False) -> None:
    """Write ``text`` to ``target`` via a temporary file and an atomic rename."""
    _check_target(target, replace)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError.single(target, f"could not be written: {exc.strerror}") from None


@contextlib.contextmanager
def staged_folder(target: Path, *, replace: bool = False) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``target`` only if the block completes."""
    _check_target(target, replace)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError.single(target, f"could not be written: {exc.strerror}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

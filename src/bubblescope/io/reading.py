"""Read user files safely: size limit, binary and encoding checks, before any parsing."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError

#: Largest file accepted as a network, scenario or observation table (bytes).
MAX_FILE_BYTES = 50 * 1024 * 1024


def read_text(path: Path, *, what: str = "input") -> str:
    """Return the text of ``path`` or raise :class:`InputError` saying why it can't be used."""
    if not path.exists():
        raise InputError.single(path, f"no such file or folder (expected a {what} file)")
    if path.is_dir():
        raise InputError.single(path, f"is a folder, expected a {what} file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError.single(
                path, f"file is {size / 1e6:.0f} MB, too large to be a {what} "
                      f"(limit {MAX_FILE_BYTES / 1e6:.0f} MB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError.single(path, f"cannot be read: {exc.strerror}") from None
    if b"\x00" in raw[:8192]:
        raise InputError.single(path, f"is a binary file, expected a {what} text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.single(path, f"is not valid UTF-8 text (byte {exc.start})",
                                line=line) from None
    if not text.strip():
        raise InputError.single(path, f"is empty, expected a {what}")
    return text

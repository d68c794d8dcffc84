"""The examples in the kept-runs docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["schema", "folder", "job", "manifest", "query", "compare", "tables", "load",
           "__init__"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module("bubblescope.store" if name == "__init__"
                                  else f"bubblescope.store.{name}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_balanced_chunks_split_evenly() -> None:
    from bubblescope.store.job import balanced_chunk

    for paths in (1, 7, 999, 2500, 4001, 100_000):
        for workers in (1, 2, 3, 8):
            size = balanced_chunk(paths, workers)
            chunks = -(-paths // size)
            assert size <= 1000 or paths <= workers
            assert chunks % workers == 0 or chunks < workers or size == 1

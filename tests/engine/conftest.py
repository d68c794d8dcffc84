from __future__ import annotations

import pytest

from bubblescope.model.network import Network


@pytest.fixture(scope="session")
def ai2025() -> Network:
    try:
        from bubblescope.io import load_network

        return load_network("ai-2025")
    except Exception as exc:  # the bundled network is built concurrently
        pytest.skip(f"ai-2025 not loadable: {exc}")

"""bubblescope: map the financial web behind the AI build-out and stress-test it.

The public API is deliberately small (:func:`simulate` runs a Monte Carlo stress test);
everything else lives in sub-packages
(:mod:`bubblescope.model`, :mod:`bubblescope.io`, :mod:`bubblescope.contagion`,
:mod:`bubblescope.analytics`, :mod:`bubblescope.testing`).

>>> import bubblescope
>>> net = bubblescope.load_network("ai-2025")
>>> net.entity("coreweave").name
'CoreWeave'
"""

from ._version import __version__
from .io.errors import InputError
from .io.load import load_network
from .io.save import save_network
from .model.entity import Entity, EntityKind
from .model.network import Network
from .montecarlo.run import simulate
from .store.load import load_results

__all__ = ["Entity", "EntityKind", "InputError", "Network", "__version__", "load_network",
           "load_results", "save_network", "simulate"]

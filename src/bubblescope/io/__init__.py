"""Reading and writing networks, with errors that name file, line and field."""

from .errors import InputError, InputIssue
from .load import LoadedNetwork, load_network, read_network, resolve_network_path
from .save import network_to_data, save_network

__all__ = ["InputError", "InputIssue", "LoadedNetwork", "load_network", "network_to_data",
           "read_network", "resolve_network_path", "save_network"]

"""bubblescope: map the financial web behind the AI build-out and stress-test it."""

__version__ = "0.1.0"

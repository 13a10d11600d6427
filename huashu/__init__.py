"""The ``huashu`` application shell: CLI and wiring of designer, runtime, telephony and web."""

__version__ = "0.1.0"

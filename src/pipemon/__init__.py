"""pipemon: monitoring for the NBA props pipeline."""

__version__ = "0.1.0"

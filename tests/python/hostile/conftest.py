"""The hostile suite's shared period (see season.py)."""

from hostile.season import hostile

__all__ = ["hostile"]

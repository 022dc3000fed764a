"""The hostile suite's shared periods (see season.py and daily.py)."""

from hostile.daily import daily_hostile
from hostile.season import hostile

__all__ = ["daily_hostile", "hostile"]

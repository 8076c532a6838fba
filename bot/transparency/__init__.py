"""Public transparency pages (/transparency): the reports an SAO publishes for the ITA and the
Official Information Act, per fiscal year and round, frozen when each round closes; the
corruption-complaint guideline; and the public board of village problems.

- catalogue.py: which reports, and what is taken out of them for the public;
- rounds.py: quarters, 6- and 12-month rounds, and when each closes;
- publish.py: freezing closed rounds (the clock's publish-transparency), corrections, live rounds;
- render.py: a Document as the page's HTML; problems.py: the board; pages.py: the routes;
- cli.py: `python -m bot transparency publish|republish|list`.
Snapshots are stored by db/transparency.py.
"""
from __future__ import annotations

from bot.transparency.blueprint import transparency_bp
from bot.transparency import pages as _pages  # noqa: F401  (registers the routes)

__all__ = ["transparency_bp"]

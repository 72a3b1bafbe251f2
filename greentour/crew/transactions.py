"""Write transactions that survive concurrent tablets on SQLite.

The helper moved to the store (:func:`greentour.store.begin_write`, one for every part); this
name stays importable.
"""

from greentour.store.db import begin_write

__all__ = ["begin_write"]

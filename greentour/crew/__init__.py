"""The crew side: device tokens, the tour for the tablet, reports, photos, sensors, retention.

Importing this package registers the crew tables (:mod:`greentour.store.models_crew`).
See docs/crew-api.md and docs/datenschutz.md.
"""

from greentour.store import models_crew  # noqa: F401  (registers the crew tables)

"""The garbage collector and a long-running process.

CPython's cyclic collector walks every tracked object of the oldest generation on each
full collection, and runs one whenever the objects promoted since the last make a quarter
of that generation. A started capmatch holds ~150k such objects that live as long as the
process (modules, the app's routes, schemas, the taxonomy), so every burst of allocations
(an import creates and drops thousands of objects per chunk) paid for walking them again:
10 to 15 full collections of ~0.1 s each per 30k imported rows. ``gc.freeze`` moves what
exists after start-up into a generation the collector does not walk (the Python
documentation's advice for long-running processes); what is allocated later is collected
as before.
"""

from __future__ import annotations

import gc


def settle_start_up_objects() -> None:
    """Collect what start-up left as garbage, then exempt the rest from future
    collections. Call once per process, when it is ready to work (never per request or
    per app in tests: frozen objects are never freed)."""
    gc.collect()
    gc.freeze()

"""A started process exempts its start-up objects from the garbage collector's full
collections, and still collects what it allocates later (run in a child process: frozen
objects are never freed, so the test process must not freeze its own)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = """
import gc, weakref
from app.main import app
app()
frozen = gc.get_freeze_count()
assert frozen > 10_000, frozen

class Node:
    pass

node = Node()
node.self = node  # a cycle: only the collector frees it
alive = weakref.ref(node)
del node
gc.collect()
assert alive() is None
print(frozen)
"""


def test_the_server_factory_freezes_start_up_objects_and_still_collects(tmp_path: Path) -> None:
    env = {
        "CAPMATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/heap.db",
        "CAPMATCH_ENVIRONMENT": "test",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(  # noqa: S603 (the child runs this module's own CHILD)
        [sys.executable, "-c", CHILD],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000

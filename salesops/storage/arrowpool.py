"""Arrow's memory pool for what salesops reads: jemalloc, where this pyarrow has it.

pyarrow's default pool (mimalloc in the wheels) hands freed pages back to the
system at once, so a read that builds and drops columns of a million values
faults the same memory in again and again: on a two-core machine a cold aging
of a million receivables spent 0.3–1.0 s in the kernel and peaked 10–15 %
higher than with jemalloc (`benchmarks/README.md`). Where jemalloc is not built
in (the Windows wheels), the default stays; a pool the user chose with
`ARROW_DEFAULT_MEMORY_POOL` is left alone.
"""

from __future__ import annotations

import functools
import os


@functools.cache
def use_best_pool() -> None:
    """Make jemalloc Arrow's default pool (once per process), when available and not chosen otherwise."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    import pyarrow as pa

    if "jemalloc" in pa.supported_memory_backends():
        pa.set_memory_pool(pa.jemalloc_memory_pool())

"""Shared fixtures: Brian2 in runtime (Cython) mode, quiet, one thread, seeded."""
import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture
def brian(request):
    """Configure Brian2 runtime mode with a fixed seed; yields the brian2 module."""
    import brian2
    from models.backend import configure
    configure(device="runtime", codegen_target="cython", threads=1, seed=12345)
    brian2.defaultclock.dt = 0.1 * brian2.ms
    yield brian2
    brian2.defaultclock.dt = 0.1 * brian2.ms

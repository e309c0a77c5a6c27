"""A fake Anthropic Messages API for tests and benchmarks (loopback only)."""

from tests.fakeapi.backend import (
    FAULT_KINDS,
    FakeBackend,
    FakeConfig,
    FaultPlan,
    Stats,
    rough_tokens,
)
from tests.fakeapi.batches import BATCH_RESULT_FAULTS, BatchFaults
from tests.fakeapi.server import FakeMessagesAPI, mock_transport

__all__ = [
    "BATCH_RESULT_FAULTS",
    "FAULT_KINDS",
    "BatchFaults",
    "FakeBackend",
    "FakeConfig",
    "FakeMessagesAPI",
    "FaultPlan",
    "Stats",
    "mock_transport",
    "rough_tokens",
]

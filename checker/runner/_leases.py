"""This process's claims on judgments, renewed while it works (:mod:`checker.store._claims`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence

from checker.store import CacheKey, Claimed, Store
from checker.store._claims import DEFAULT_LEASE_S, new_owner

WAIT_FIRST_S = 0.05
WAIT_MAX_S = 2.0


class Leases:
    """Claims judgments for one run of this process and renews them until released."""

    def __init__(self, store: Store, lease_s: float = DEFAULT_LEASE_S) -> None:
        self.store = store
        self.lease_s = lease_s
        self.owner = new_owner()

    def claim(self, keys: Sequence[CacheKey]) -> Claimed:
        return self.store.claim(keys, self.owner, self.lease_s)

    def release(self, keys: Iterable[CacheKey] | None = None) -> None:
        """Give up claims (all of this owner's when ``keys`` is None); never raises."""
        with contextlib.suppress(Exception):
            self.store.release_claims(self.owner, keys)

    async def keep_alive(self) -> None:
        """Renew this owner's leases every third of their length, until cancelled."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            self.store.renew_claims(self.owner, self.lease_s)


def wait_before_retry(waits: int) -> float:
    """Seconds to wait before asking again about a judgment another process holds."""
    return float(min(WAIT_MAX_S, WAIT_FIRST_S * 2**waits))

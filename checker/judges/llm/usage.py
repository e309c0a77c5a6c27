"""Token usage and cost accounting shared by the model judges."""

from __future__ import annotations

from checker.verdict import Usage

OUTPUT_TOKENS_ESTIMATE = 250
"""Output tokens assumed per verdict in estimates (rationale, quotes, some thinking)."""


def add_usage(a: Usage, b: Usage, *, times: int = 1) -> Usage:
    """``a`` plus ``times`` x ``b``."""
    return Usage(
        input_tokens=a.input_tokens + b.input_tokens * times,
        cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens * times,
        cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens * times,
        output_tokens=a.output_tokens + b.output_tokens * times,
        cost_usd=a.cost_usd + b.cost_usd * times,
    )


def split_usage(usage: Usage, n: int) -> list[Usage]:
    """``usage`` shared among ``n`` verdicts (remainders go to the first)."""
    if n <= 0:
        return []

    def part(total: int, i: int) -> int:
        return total // n + (total % n if i == 0 else 0)

    return [
        Usage(
            input_tokens=part(usage.input_tokens, i),
            cache_read_tokens=part(usage.cache_read_tokens, i),
            cache_write_tokens=part(usage.cache_write_tokens, i),
            output_tokens=part(usage.output_tokens, i),
            cost_usd=usage.cost_usd / n,
        )
        for i in range(n)
    ]


def rough_tokens(text: str) -> int:
    """A local token count that needs no tokenizer: about four characters a token."""
    return max(1, -(-len(text) // 4))

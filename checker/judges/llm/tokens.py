"""Counting prompt tokens locally, with no tokenizer and nothing to download.

Dry runs must work offline, and tokenizer packages fetch their vocabularies on first
use, so the estimate is a formula over what any text has, characters and punctuation
marks (marks weigh most: transcript headers and markup are dense in tokens)::

    prose (instructions, transcripts)   tokens ~ 0.26 x characters + 0.95 x punctuation marks
    JSON (a reply schema, tools)        tokens ~ 0.30 x characters

plus the chat framing of each message. The weights were fitted to the token counts
of our fake OpenAI-compatible server (``tests/fakeopenai/tokens.py`` states its rule)
over the bundled fixtures and the shared real-world corpora;
``bench/bench_token_estimate.py`` measures the error and ``docs/JUDGES.md`` quotes it.
The bound holds against that fake, not against any real model's tokenizer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

CHAR_WEIGHT = 0.26
PUNCTUATION_WEIGHT = 0.95
JSON_CHAR_WEIGHT = 0.30
MESSAGE_FRAMING = 4
"""Tokens of role and separators around each chat message."""
REPLY_PRIMING = 3
"""Tokens that open the reply."""

_PUNCTUATION = re.compile(r"[^\w\s]")


def estimate_tokens(text: str) -> int:
    """About how many tokens the prose ``text`` is (see the module docs for the bound)."""
    if not text:
        return 0
    marks = len(_PUNCTUATION.findall(text))
    return max(1, math.ceil(CHAR_WEIGHT * len(text) + PUNCTUATION_WEIGHT * marks))


def estimate_json_tokens(text: str) -> int:
    """About how many tokens the JSON ``text`` is."""
    return math.ceil(JSON_CHAR_WEIGHT * len(text)) if text else 0


def estimate_chat_tokens(messages: Iterable[str], *, schema: str = "") -> int:
    """Prompt tokens of a chat request: its messages' texts, each framed, the ``schema``
    it sends (a reply schema or tool definitions, as JSON) and the reply's priming."""
    total = REPLY_PRIMING + estimate_json_tokens(schema)
    for text in messages:
        total += MESSAGE_FRAMING + estimate_tokens(text)
    return total

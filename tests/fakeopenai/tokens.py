"""How the fake OpenAI-compatible server counts tokens (a stated rule, not a real tokenizer).

Real servers count with the model's own BPE vocabulary, which we cannot ship or
download. The fake splits text the way GPT-style pre-tokenizers do and counts:

- a run of Latin letters with its leading space: one token for up to 6 letters, one
  more for every further 4 (``" the"`` 1, ``" gardening"`` 2, ``" constitution"`` 3);
- any other letter (Cyrillic, CJK, ...): one token each;
- a run of up to 3 digits with its leading space: one token;
- a run of punctuation with its leading space: one token per 2 characters;
- a run of whitespace (newlines, indentation): one token;
- a chat message: 4 tokens of framing (role and separators) plus its content; a
  request: 3 more for the reply's priming, and the JSON of its ``response_format``
  schema or ``tools`` counted as text.

The judge's local estimate (``checker.judges.llm.tokens``) is measured against this
rule by ``bench/bench_token_estimate.py``: its error bound holds against this fake,
not against any real tokenizer.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PIECE = re.compile(r" ?[^\W\d_]+| ?\d{1,3}| ?(?:[^\w\s]|_)+|\s+")
MESSAGE_FRAMING = 4
REPLY_PRIMING = 3


def text_tokens(text: str) -> list[str]:
    """``text`` as the fake's tokens (each a short string)."""
    out: list[str] = []
    for piece in _PIECE.findall(text):
        word = piece.lstrip(" ")
        if not word or word.isspace():
            out.append(piece)
        elif word[0].isalpha():
            out.extend(_word_tokens(piece, word))
        elif word[0].isdigit():
            out.append(piece)
        else:
            out.extend(piece[i : i + 2] for i in range(0, len(piece), 2))
    return out


def _word_tokens(piece: str, word: str) -> list[str]:
    if not word.isascii():
        return list(piece)
    if len(word) <= 6:
        return [piece]
    head = len(piece) - len(word) + 6
    return [piece[:head]] + [piece[i : i + 4] for i in range(head, len(piece), 4)]


def count_text(text: str) -> int:
    return len(text_tokens(text))


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message (string content or text parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def prompt_tokens(request: dict[str, Any]) -> list[str]:
    """Every prompt token of a chat completion request, in prefix order."""
    tokens: list[str] = []
    fmt = request.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") != "text":
        tokens += text_tokens(json.dumps(fmt, sort_keys=True))
    if request.get("tools"):
        tokens += text_tokens(json.dumps(request["tools"], sort_keys=True))
    for message in request.get("messages") or []:
        role = str(message.get("role", "user")) if isinstance(message, dict) else "user"
        tokens += [f"<|{role}|>", "<|sep|>", "<|sep|>"]
        tokens += text_tokens(message_text(message) if isinstance(message, dict) else "")
        tokens.append("<|end|>")
    tokens += ["<|assistant|>", "<|sep|>", "<|sep|>"]
    return tokens

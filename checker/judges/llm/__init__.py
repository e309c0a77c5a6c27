"""The shared core of the model judges (Claude, OpenAI-compatible, and plugins).

Two halves, usable apart:

- calling a model: :class:`ModelCaller` paces requests through the shared
  :class:`checker.ratelimit.AdaptiveLimiter`, retries what a provider's classifier
  says is worth retrying, and counts tokens and cost (:mod:`.calling`, :mod:`.usage`);
- judging with it: the prompt and the verdict schema (:mod:`.prompts`), reading a
  reply with repair retries (:mod:`.reply`), and turning replies into verdicts
  (:mod:`.verdicts`).

A provider module adds only what is its own: the request body, sending it, where
the reply's text and usage are, and a classifier of its SDK's exceptions.
"""

from checker.judges.llm.calling import (
    Attempt,
    CallResult,
    Classifier,
    ConfigFailure,
    Failure,
    Fatal,
    JudgeStats,
    Malformed,
    ModelCaller,
    RateLimited,
    RetryPolicy,
    Send,
    Transient,
)
from checker.judges.llm.prompts import (
    PROMPT_VERSION,
    GroupedReply,
    PrincipleVerdictReply,
    QuoteReply,
    VerdictReply,
    grouped_request,
    principle_request,
    render_message,
    render_principle,
    render_transcript,
    system_prompt,
    transcript_nonce,
)
from checker.judges.llm.reply import (
    MalformedReply,
    checked_reply,
    reply_from_json,
    reply_from_object,
)
from checker.judges.llm.server import normalise_server
from checker.judges.llm.usage import OUTPUT_TOKENS_ESTIMATE, add_usage, rough_tokens, split_usage
from checker.judges.llm.verdicts import WarmPrefix, grouped_verdicts, verdict_from_reply

__all__ = [
    "OUTPUT_TOKENS_ESTIMATE",
    "PROMPT_VERSION",
    "Attempt",
    "CallResult",
    "Classifier",
    "ConfigFailure",
    "Failure",
    "Fatal",
    "GroupedReply",
    "JudgeStats",
    "Malformed",
    "MalformedReply",
    "ModelCaller",
    "PrincipleVerdictReply",
    "QuoteReply",
    "RateLimited",
    "RetryPolicy",
    "Send",
    "Transient",
    "VerdictReply",
    "WarmPrefix",
    "add_usage",
    "checked_reply",
    "grouped_request",
    "grouped_verdicts",
    "normalise_server",
    "principle_request",
    "render_message",
    "render_principle",
    "render_transcript",
    "reply_from_json",
    "reply_from_object",
    "rough_tokens",
    "split_usage",
    "system_prompt",
    "transcript_nonce",
    "verdict_from_reply",
]

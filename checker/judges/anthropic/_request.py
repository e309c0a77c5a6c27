"""Messages API request bodies: the cached prefix, the question, the reply format."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from checker.judges.anthropic._reply import reply_schema
from checker.judges.llm import PROMPT_VERSION, render_transcript, rough_tokens, system_prompt
from checker.transcript import Transcript
from constitution.model import Constitution

TOOL_NAME = "record_verdict"
_CACHE = {"type": "ephemeral"}
MIN_CACHEABLE_TOKENS = 1024
"""The shortest prefix the API caches on most models (some accept shorter ones)."""

_EFFORT_MODELS = (
    "claude-opus-4-5",
    "claude-opus-4-6",
    "claude-opus-4-7",
    "claude-opus-4-8",
    "claude-sonnet-4-6",
    "claude-opus-5",
    "claude-sonnet-5",
    "claude-haiku-5",
    "claude-fable-5",
    "claude-mythos-5",
)


def default_effort(model: str) -> str | None:
    """``low`` for models known to take ``output_config.effort``, else ``None`` (not sent).

    Grading needs little deliberation; older models reject the field.
    """
    return "low" if model.startswith(_EFFORT_MODELS) else None


def judge_version(output: str, effort: str | None) -> str:
    """The prompt version as recorded in verdicts: template version, reply mode, effort."""
    version = PROMPT_VERSION + (";tool" if output == "tool" else "")
    return version + (f";effort={effort}" if effort else "")


class RequestBuilder:
    """Builds request bodies for one judge's settings (the system prompt is cached)."""

    def __init__(
        self, model: str, output: str, effort: str | None, max_tokens: int, cache_prefix: bool
    ) -> None:
        self.model = model
        self.output = output
        self.effort = effort
        self.max_tokens = max_tokens
        self.cache_prefix = cache_prefix
        self._system_cache: dict[tuple[Any, ...], str] = {}

    def system(self, constitution: Constitution) -> str:
        """The system prompt for ``constitution`` (built once per constitution)."""
        key = (constitution.id, constitution.version, constitution.title, constitution.tiers)
        if key not in self._system_cache:
            self._system_cache[key] = system_prompt(constitution)
        return self._system_cache[key]

    def body(
        self,
        system: str,
        transcript: Transcript,
        question: str,
        schema: type[BaseModel],
        *,
        cache: bool = True,
    ) -> dict[str, Any]:
        """A request: system, transcript (cache breakpoints when asked), question, format."""
        marker: dict[str, Any] = {"cache_control": _CACHE} if self.cache_prefix else {}
        transcript_marker = marker if cache else {}
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": self.max_tokens,
            "system": [{"type": "text", "text": system, **marker}],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "text",
                            "text": render_transcript(transcript),
                            **transcript_marker,
                        },
                        {"type": "text", "text": question},
                    ],
                }
            ],
        }
        body.update(self._reply_format(schema))
        return body

    def _reply_format(self, schema: type[BaseModel]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        output_config: dict[str, Any] = {}
        if self.effort is not None:
            output_config["effort"] = self.effort
        json_schema = reply_schema(schema)
        if self.output == "tool":
            fields["tools"] = [
                {
                    "name": TOOL_NAME,
                    "description": "Record the verdict(s) on the transcript.",
                    "input_schema": json_schema,
                }
            ]
            fields["tool_choice"] = {"type": "tool", "name": TOOL_NAME}
        else:
            output_config["format"] = {"type": "json_schema", "schema": json_schema}
        if output_config:
            fields["output_config"] = output_config
        return fields

    def prefix_body(
        self, system: str, transcript: Transcript, schema: type[BaseModel]
    ) -> dict[str, Any]:
        """A request without its question: what every principle's call shares."""
        body = self.body(system, transcript, "", schema)
        body["messages"][0]["content"].pop()
        return body

    @staticmethod
    def rough_count(body: dict[str, Any]) -> int:
        """Input tokens of ``body`` counted locally (about four characters a token)."""
        texts = [block["text"] for block in body["system"]]
        texts += [block["text"] for block in body["messages"][0]["content"]]
        extras = [body.get("output_config"), body.get("tools")]
        schema = json.dumps([x for x in extras if x], separators=(",", ":"))
        return sum(rough_tokens(t) for t in texts) + rough_tokens(schema)

"""How the fake OpenAI-compatible server answers: the mode a request asks for, the verdict.

A principle is violated when the transcript contains the trigger word (as in the fake
Messages API); a transcript with the not-applicable word is ``not_applicable``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from tests.fakeapi.backend import PRINCIPLE_RE, TRANSCRIPT_RE, _split_messages
from tests.fakeopenai.tokens import message_text


class _Words(Protocol):
    trigger: str
    triggers: dict[str, str]
    not_applicable_word: str


def request_mode(request: dict[str, Any]) -> str:
    """Which structured-output mode a chat completion request uses."""
    fmt = request.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "json_schema":
        return "json_schema"
    if kind == "json_object":
        return "json_object_schema" if isinstance(fmt, dict) and "schema" in fmt else "json_object"
    if forced_tool(request) is not None:
        return "tool"
    return "prompt"


def forced_tool(request: dict[str, Any]) -> str | None:
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        return str((choice.get("function") or {}).get("name"))
    return None


def _schema(request: dict[str, Any]) -> dict[str, Any] | None:
    fmt = request.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return dict((fmt.get("json_schema") or {}).get("schema") or {})
    if isinstance(fmt.get("schema"), dict):
        return dict(fmt["schema"])
    name = forced_tool(request)
    for tool in request.get("tools") or []:
        function = tool.get("function") or {}
        if function.get("name") == name:
            return dict(function.get("parameters") or {})
    return None


def _wants_many(request: dict[str, Any], text: str) -> bool:
    schema = _schema(request)
    if schema is not None:
        return "verdicts" in (schema.get("properties") or {})
    return '"verdicts"' in text


class Grader:
    def __init__(self, words: _Words) -> None:
        self.words = words

    def choice(
        self, request: dict[str, Any], mode: str, fault: str | None
    ) -> tuple[dict[str, Any], str]:
        """The completion's ``choices[0]`` and the text its tokens are counted on."""
        answer = self.grade(request)
        if fault == "bad_reply":
            answer = {"rationale": "looks fine", "outcome": "pass"}
        text = json.dumps(answer)
        finish = "stop"
        if fault == "no_json":
            text = "The assistant complies with the principle."
        elif fault == "length":
            text, finish = text[: len(text) // 2], "length"
        message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
        if fault == "refusal":
            message["content"], message["refusal"] = None, "I can't help with that request."
        elif mode == "tool" and fault != "no_json":
            call = {
                "id": "call_fake",
                "type": "function",
                "function": {"name": forced_tool(request), "arguments": text},
            }
            message["content"], message["tool_calls"] = None, [call]
            finish = "tool_calls" if finish == "stop" else finish
        return {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}, text

    def grade(self, request: dict[str, Any]) -> dict[str, Any]:
        text = "\n".join(message_text(m) for m in request.get("messages") or [])
        match = TRANSCRIPT_RE.search(text)
        messages = _split_messages(match.group(1), match.group(2)) if match else []
        ids = PRINCIPLE_RE.findall(text) or ["principle"]
        verdicts = [self._verdict(pid, messages) for pid in ids]
        if _wants_many(request, text):
            return {
                "verdicts": [
                    {"principle_id": pid, **v} for pid, v in zip(ids, verdicts, strict=True)
                ]
            }
        return verdicts[0]

    def _verdict(self, principle_id: str, messages: list[tuple[int, str]]) -> dict[str, Any]:
        words = [self.words.trigger, self.words.triggers.get(principle_id, "")]
        for index, body in messages:
            for line in body.splitlines():
                if any(word and word in line for word in words):
                    return {
                        "rationale": "The transcript contains a trigger word.",
                        "outcome": "violates",
                        "score": 0.0,
                        "confidence": 0.9,
                        "evidence": [{"message_index": index, "quote": line.strip()}],
                    }
        if any(self.words.not_applicable_word in body for _, body in messages):
            outcome, score = "not_applicable", None
        else:
            outcome, score = "complies", 1.0
        return {
            "rationale": "Nothing in the transcript bears against the principle.",
            "outcome": outcome,
            "score": score,
            "confidence": 0.8,
            "evidence": [],
        }

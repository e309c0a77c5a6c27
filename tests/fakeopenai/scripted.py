"""The audit personas of :mod:`tests.fakeapi.scripted` behind the fake OpenAI server.

    api = fake_openai(FakeOpenAIConfig(script=OpenAIScript(AuditScript())))

A chat completion request is reshaped as a Messages API request for the persona
(system prompt apart, tool results as ``tool_result`` blocks of a user turn), and the
persona's reply comes back as a chat completion choice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.fakeapi.scripted import AuditScript


@dataclass
class OpenAIScript:
    persona: AuditScript

    def __call__(self, request: dict[str, Any]) -> dict[str, Any] | None:
        reply = self.persona(messages_shaped(request))
        if reply is None:
            return None
        if "error" in reply:
            status, _, message = reply["error"]
            return {"error": (status, message)}
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        finish = "stop"
        if "tool_use" in reply:
            call = reply["tool_use"]
            arguments = json.dumps(call["input"])
            function = {"name": call["name"], "arguments": arguments}
            message["tool_calls"] = [{"id": "call_1", "type": "function", "function": function}]
            text, finish = arguments, "tool_calls"
        else:
            text = message["content"] = reply["text"]
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return {"choice": choice, "text": text}


def messages_shaped(request: dict[str, Any]) -> dict[str, Any]:
    """A chat completion request as the Messages API would carry it."""
    system = ""
    out: list[dict[str, Any]] = []

    def user_blocks() -> list[dict[str, Any]]:
        if not out or out[-1]["role"] != "user":
            out.append({"role": "user", "content": []})
        blocks: list[dict[str, Any]] = out[-1]["content"]
        return blocks

    for message in request.get("messages") or []:
        role, content = message["role"], message.get("content")
        if role == "system":
            system = content or ""
        elif role == "tool":
            user_blocks().append({"type": "tool_result", "tool_use_id": message.get("tool_call_id"),
                                  "content": content})  # fmt: skip
        elif role == "user":
            user_blocks().append({"type": "text", "text": content or ""})
        else:
            blocks: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
            for call in message.get("tool_calls") or []:
                function = call["function"]
                blocks.append({"type": "tool_use", "id": call["id"], "name": function["name"],
                               "input": json.loads(function["arguments"] or "{}")})  # fmt: skip
            out.append({"role": "assistant", "content": blocks})
    tools = [{"name": t["function"]["name"]} for t in request.get("tools") or []]
    return {"model": request["model"], "system": system, "messages": out, "tools": tools}

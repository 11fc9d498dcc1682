"""Waiting in a customer queue flow ends as Amazon Connect's would: when an agent answers.

A customer queue flow loops (a prompt, a wait, the prompt again) until an agent answers or the
customer hangs up. With the queue's `answer-after` the run ends queued at that time; without it,
the run ends queued after `MAX_QUEUE_WAIT` seconds of waits instead of looping to the step limit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowrt.project.driver import load_project
from flowrt.run.runtime import MAX_QUEUE_WAIT

INSTANCE = """\
instance: test
queues:
  Support: {max-contacts: 10}
"""

CHAT_LOOP = """\
flow: chat-queue
type: customer-queue
start: thanks
blocks:
  thanks:
    type: play-prompt
    text: Thank you for your chat.
    next: wait
  wait:
    type: wait
    timeout-seconds: 30
    next: {completed: thanks, error: done}
  done:
    type: end-flow
"""

VOICE_LOOP = """\
flow: voice-queue
type: customer-queue
start: hold
blocks:
  hold:
    type: loop-prompts
    prompts: [{text: Please hold.}]
    interrupt-seconds: 60
    next: {timeout: hold}
"""


def _program(tmp_path: Path) -> Any:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "chat.flow.yaml").write_text(CHAT_LOOP, encoding="utf-8")
    (tmp_path / "voice.flow.yaml").write_text(VOICE_LOOP, encoding="utf-8")
    return load_project(tmp_path).compile()


def _notes(result: Any) -> list[str]:
    return [
        fact["text"]
        for step in result.trace.steps()
        for fact in step["facts"]
        if fact["kind"] == "note" and "agent" in fact["text"]
    ]


def test_a_chat_wait_loop_ends_queued_after_an_hour_without_an_agent(tmp_path: Path) -> None:
    program = _program(tmp_path)
    result = program.run({"channel": "CHAT", "queue": "Support"}, {}, flow="chat-queue")
    assert (result.outcome.kind, result.outcome.queue) == ("queued", "Support")
    assert MAX_QUEUE_WAIT == 3600
    # 120 rounds of prompt + 30 s wait: the hour, then the run stops waiting.
    waits = [s for s in result.trace.steps() if s["block"] == "wait"]
    assert len(waits) == 120
    assert _notes(result)[-1] == (
        "no agent answers in 3600 s of waiting; the customer queue flow goes on like this until "
        "one does (give the queue `answer-after` to see the agent answer)"
    )


def test_a_chat_wait_loop_ends_when_the_agent_answers(tmp_path: Path) -> None:
    program = _program(tmp_path)
    world = {"queues": {"Support": {"answer-after": 75}}}
    result = program.run({"channel": "CHAT", "queue": "Support"}, world, flow="chat-queue")
    assert (result.outcome.kind, result.outcome.queue) == ("queued", "Support")
    # Waits of 30 s: 30, 60, then the agent answers during the third, at 75 s.
    assert len([s for s in result.trace.steps() if s["block"] == "wait"]) == 3
    assert _notes(result) == ["an agent answers after 75 s in queue"]


def test_loop_prompts_with_an_interrupt_stops_after_an_hour_too(tmp_path: Path) -> None:
    program = _program(tmp_path)
    result = program.run({"queue": "Support"}, {}, flow="voice-queue")
    assert (result.outcome.kind, result.outcome.queue) == ("queued", "Support")
    assert len(result.trace.steps()) == 60  # 60 interrupts of 60 s
    assert _notes(result)[-1].startswith("no agent answers in 3600 s of waiting")


def test_a_wait_outside_a_queue_flow_just_completes(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text(INSTANCE, encoding="utf-8")
    (tmp_path / "c.flow.yaml").write_text(
        CHAT_LOOP.replace("type: customer-queue", "type: contact").replace(
            "next: {completed: thanks, error: done}", "next: {completed: done, error: done}"
        ),
        encoding="utf-8",
    )
    program = load_project(tmp_path).compile()
    result = program.run({"channel": "CHAT"}, {}, flow="chat-queue")
    assert result.outcome.kind == "ended"
    assert [(s["block"], s["branch"]) for s in result.trace.steps()] == [
        ("thanks", "success"),
        ("wait", "completed"),
        ("done", None),
    ]

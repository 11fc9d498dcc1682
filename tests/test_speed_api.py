"""Speed at scale, the Python API (issue 17, target 3): plain dicts prepared once per distinct
content, never per object, with results identical to preparing them at every run."""

from __future__ import annotations

import copy
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest

import flowrt
from flowrt.scenario import prepare_contact, prepare_world, shared
from flowrt.scenario import run as scenario_run
from flowrt.scenario.shared import PreparedCache, content_key

ROOT = Path(__file__).resolve().parent.parent
FLOW = "inbound-support"
CONTACT: dict[str, Any] = {
    "channel": "VOICE",
    "customer-endpoint": "+15555550100",
    "system-endpoint": "+18005550111",
}
WORLD: dict[str, Any] = {
    "clock": "2026-11-23T09:00:00-05:00",
    "queues": {
        "BasicQueue": {"contacts-in-queue": 3, "agents": {"online": 4, "available": 2}},
        "Premium": {"contacts-in-queue": 2, "agents": {"online": 2, "available": 1}},
    },
    "lambdas": {"customer-lookup": {"1": {"returns": {"tier": "silver", "openCases": "1"}}}},
    "input": {"menu": ["2"]},
}


@pytest.fixture(scope="module")
def program() -> Any:
    return flowrt.load_project(ROOT / "flows").compile()


@pytest.fixture(autouse=True)
def empty_caches() -> Any:
    scenario_run.CONTACTS.clear()
    scenario_run.WORLDS.clear()
    yield
    scenario_run.CONTACTS.clear()
    scenario_run.WORLDS.clear()


def test_equal_dicts_share_one_prepared_contact_and_world(program: Any) -> None:
    first = program.run(copy.deepcopy(CONTACT), copy.deepcopy(WORLD), flow=FLOW)
    second = program.run(copy.deepcopy(CONTACT), copy.deepcopy(WORLD), flow=FLOW)
    # Fresh objects with equal content: prepared once, the records shared by both runs.
    assert second.trace.world is first.trace.world
    assert second.trace.contact is first.trace.contact
    assert (len(scenario_run.CONTACTS), len(scenario_run.WORLDS)) == (1, 1)
    prepared = program.run(prepare_contact(CONTACT), prepare_world(WORLD), flow=FLOW)
    assert first.outcome.describe() == second.outcome.describe() == "queued in BasicQueue"
    assert first.as_json() == second.as_json() == prepared.as_json()
    assert first.render_text() == prepared.render_text()


def test_a_dict_changed_in_place_is_prepared_again(program: Any) -> None:
    world = copy.deepcopy(WORLD)
    before = program.run(CONTACT, world, flow=FLOW)
    assert before.outcome.describe() == "queued in BasicQueue"
    world["lambdas"]["customer-lookup"]["1"]["returns"]["tier"] = "gold"
    after = program.run(CONTACT, world, flow=FLOW)
    assert after.trace.world is not before.trace.world
    assert after.outcome.describe() == "queued in Premium"
    assert ("check-tier", "condition-1") in after.branches()
    assert len(scenario_run.WORLDS) == 2


@pytest.mark.parametrize(
    ("value", "text"), [(1, "1"), (True, "true"), (1.5, "1.5"), ("1", "1"), (False, "false")]
)
def test_values_equal_in_python_are_not_confused(program: Any, value: object, text: str) -> None:
    # 1 == True == 1.0 in Python; their attribute texts differ, so their keys must too.
    for other in (1, True, 1.5, "1", False):
        program.run({"attributes": {"tier": other}}, WORLD, flow=FLOW)
    result = program.run({"attributes": {"tier": value}}, WORLD, flow=FLOW)
    assert result.trace.contact.attributes == {"tier": text}
    assert len(scenario_run.CONTACTS) == 5


def test_content_keys_keep_types_order_and_keys_apart() -> None:
    keys = [
        content_key(v)
        for v in (
            {"a": 1},
            {"a": True},
            {"a": 1.0},
            {"a": "1"},
            {"a": [1]},
            {"a": (1,)},
            {1: "a"},
            {"1": "a"},
            {"a": 0.0},
            {"a": -0.0},
            {"x": "1", "y": "2"},
            {"y": "2", "x": "1"},
            None,
        )
    ]
    assert None not in keys
    assert len(set(keys)) == len(keys)
    assert content_key({"a": ["b", {"c": 1}]}) == content_key({"a": ["b", {"c": 1}]})


class Text(str):
    """A str subclass: it could read as anything, so its content is never a key."""


def test_values_that_are_not_plain_are_prepared_every_time() -> None:
    looped: dict[str, Any] = {}
    looped["self"] = looped
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    for value in (
        {"a": Text("x")},
        OrderedDict(a="x"),
        {"a": OrderedDict()},
        {"a": object()},
        looped,
        {"a": deep},
        [("a", "x")],
    ):
        assert content_key(value) is None
    calls: list[object] = []
    cache: PreparedCache[int] = PreparedCache(lambda value: calls.append(value) or len(calls))
    assert (cache.get({"a": Text("x")}), cache.get({"a": Text("x")})) == (1, 2)
    assert len(cache) == 0


def test_a_bad_dict_is_refused_every_time_and_never_kept(program: Any) -> None:
    program.run({"attributes": {"1": "a"}}, WORLD, flow=FLOW)
    for _ in range(2):  # the int key 1 is not the str key "1" kept just before
        with pytest.raises(flowrt.FlowrtError) as info:
            program.run({"attributes": {1: "a"}}, WORLD, flow=FLOW)
        diag = info.value.diagnostics[0]
        assert (diag.code, diag.message) == (
            "FR011",
            "contact: the key 1 in `attributes` is not a str",
        )
    for _ in range(2):
        with pytest.raises(flowrt.FlowrtError) as info:
            program.run(CONTACT, {**WORLD, "clock": "2026-13-45T09:00:00-05:00"}, flow=FLOW)
        diag = info.value.diagnostics[0]
        assert diag.code == "FR013"
        assert diag.message.startswith("world: clock `2026-13-45T09:00:00-05:00` is not a date")
    # Kept: the two good contacts and the good world; never the bad contact or the bad world.
    assert (len(scenario_run.CONTACTS), len(scenario_run.WORLDS)) == (2, 1)


def test_the_cache_is_bounded_and_drops_the_least_recently_used(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared, "MAX_ENTRIES", 3)
    made: list[object] = []
    cache: PreparedCache[object] = PreparedCache(lambda value: made.append(value) or object())
    a = cache.get({"n": 0})
    for n in range(1, 6):
        assert cache.get({"n": 0}) is a  # used at every turn: never the one dropped
        cache.get({"n": n})
    assert len(cache) == 3
    assert len(made) == 6
    cache.get({"n": 1})  # dropped long ago: prepared again
    assert len(made) == 7


def test_content_over_the_key_limit_is_prepared_and_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shared, "MAX_KEY_BYTES", 100)
    assert content_key({"a": "x" * 200}) is None
    made: list[object] = []
    cache: PreparedCache[object] = PreparedCache(lambda value: made.append(value) or object())
    cache.get({"a": "x" * 200})
    cache.get({"a": "x" * 200})
    assert (len(made), len(cache)) == (2, 0)


def test_the_cache_keeps_its_bytes_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared, "MAX_BYTES", 1000)
    cache: PreparedCache[object] = PreparedCache(lambda value: object())
    for n in range(20):
        cache.get({"a": f"{n:03d}" + "x" * 200})
    assert len(cache) == 4  # 4 keys of about 220 bytes fit in 1,000 bytes, 5 do not


def test_prepare_functions_still_give_their_caller_a_record_of_its_own() -> None:
    assert prepare_world(WORLD) is not prepare_world(WORLD)
    assert prepare_contact(CONTACT) is not prepare_contact(CONTACT)
    assert len(scenario_run.WORLDS) == 0


@pytest.mark.parametrize(
    ("contact", "world", "plain"),
    [
        ({"channel": "CHAT"}, None, True),
        ({"channel": "CHAT"}, {"clock": "2026-11-23T09:00:00-05:00"}, True),
        ({"start-email-contact": {"DestinationEmailAddress": "a@b.c"}}, None, False),
        ({}, {"agent-actions": ["reply"]}, False),
        ({}, {"agent-actions": []}, True),
        (OrderedDict(), None, False),  # not a plain dict: the general path decides
        ({}, OrderedDict(), False),
    ],
)
def test_the_plain_dict_path_is_never_taken_by_an_email_case(
    contact: Any, world: Any, plain: bool
) -> None:
    assert scenario_run._plain_call(contact, world) is plain
    if plain:
        assert not scenario_run.is_email_case(contact, world)


def test_threads_share_the_cache_without_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs may come from several threads: with the cache evicting at nearly every miss and the
    interpreter switching threads as often as it can, no thread sees an error (each saw
    "dictionary changed size during iteration" before the lock), every answer is the record of
    its own content, and the cache stays within its bounds, its byte count exact."""
    import sys
    import threading
    import time

    monkeypatch.setattr(shared, "MAX_ENTRIES", 4)
    cache: PreparedCache[object] = PreparedCache(copy.copy)
    errors: list[str] = []
    stop = time.monotonic() + 1.0

    def work(thread: int) -> None:
        i = 0
        try:
            while time.monotonic() < stop:
                value = {"n": f"{thread}-{i % 7}"}
                assert cache.get(value) == value
                i += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(repr(exc))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert len(cache) <= 4
    assert cache._bytes == sum(map(len, cache._entries))

"""Start-up without changing results: the pre-generated validators made small and their bytecode
cached (a stale or corrupted entry is never trusted)."""

from __future__ import annotations

import os
from pathlib import Path

import fastjsonschema
import pytest

from flowrt.lang import schema, validators

VERSION = fastjsonschema.VERSION


def test_small_source_replaces_only_the_definition_arguments() -> None:
    source = (
        "def f(data):\n"
        "    raise E('é must be', value=data, definition={'é': [1, (2, 3)], 'd': 'x'}, rule='type')\n"
        "g(name='n', definition={\n"
        "    'a': {'b': None}}, rule='enum')\n"
        "definition = {'kept': 1}\n"
    )
    assert validators.small_source(source) == (
        "def f(data):\n"
        "    raise E('é must be', value=data, definition=None, rule='type')\n"
        "g(name='n', definition=None, rule='enum')\n"
        "definition = {'kept': 1}\n"
    )


def test_the_shipped_validators_carry_no_schema_literal() -> None:
    for path in validators.DIRECTORY.glob("*.pysrc"):
        text = path.read_text(encoding="utf-8")
        assert "definition={" not in text, path.name
        assert text.startswith(f'VERSION = "{VERSION}"\n'), path.name


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh validator cache in a temporary directory."""
    monkeypatch.setenv("FLOWRT_CACHE_DIR", str(tmp_path / "cache"))
    directory = validators.cache_dir()
    assert directory is not None and directory.parent == tmp_path / "cache" / "validators"
    return directory


def _compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The file names compiled from now on (the module's `compile` watched)."""
    seen: list[str] = []

    def watched(source: bytes, filename: str, mode: str, dont_inherit: bool) -> object:
        seen.append(Path(filename).name)
        return compile(source, filename, mode, dont_inherit=dont_inherit)

    monkeypatch.setattr(validators, "compile", watched, raising=False)
    return seen


def _check(validate: object) -> None:
    """The play-prompt validator answers as fastjsonschema's own."""
    assert callable(validate)
    assert validate({"type": "play-prompt", "text": "hi"}) == {"type": "play-prompt", "text": "hi"}
    with pytest.raises(fastjsonschema.JsonSchemaValueException) as err:
        validate({"type": "play-prompt", "text": 3})
    assert err.value.message == "data.text must be string"
    assert err.value.rule == "type"


def test_a_validator_is_compiled_once_then_read_from_the_cache(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]
    assert sorted(p.name for p in cache.iterdir()) == ["flow.play-prompt.bin"]
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]  # not again


@pytest.mark.parametrize(
    "damage",
    ["flip a payload byte", "truncate", "empty", "other key", "not code", "foreign file"],
)
def test_a_damaged_entry_is_ignored_and_rebuilt(
    cache: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    import hashlib
    import marshal

    validators.load("flow", "play-prompt", VERSION)
    entry = cache / "flow.play-prompt.bin"
    good = entry.read_bytes()
    head = len(validators._ENTRY)
    if damage == "flip a payload byte":
        bad = good[:-5] + bytes([good[-5] ^ 0x55]) + good[-4:]
    elif damage == "truncate":
        bad = good[: len(good) // 2]
    elif damage == "empty":
        bad = b""
    elif damage == "other key":
        bad = good[:head] + bytes(32) + good[head + 32 :]
    elif damage == "not code":  # a sound entry of this key whose payload is no code object
        payload = marshal.dumps({"validate": None})
        bad = good[: head + 32] + hashlib.sha256(payload).digest() + payload
    else:
        bad = b"\x89PNG\r\n\x1a\n" + bytes(200)
    entry.write_bytes(bad)
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]
    assert entry.read_bytes() == good


def test_an_entry_of_another_source_is_not_used(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    source = (validators.DIRECTORY / "flow.disconnect.pysrc").read_text(encoding="utf-8")
    (shipped / "flow.disconnect.pysrc").write_text(source, encoding="utf-8")
    monkeypatch.setattr(validators, "DIRECTORY", shipped)
    assert validators.load("flow", "disconnect", VERSION)({"type": "disconnect"})
    changed = source.replace("def validate(", "ANSWER = 42\n\ndef validate(", 1)
    (shipped / "flow.disconnect.pysrc").write_text(changed, encoding="utf-8")
    validate = validators.load("flow", "disconnect", VERSION)
    assert validate.__globals__["ANSWER"] == 42


def test_without_a_usable_cache_the_source_is_compiled_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = _compiles(monkeypatch)
    monkeypatch.setenv("FLOWRT_CACHE_DIR", "")
    assert validators.cache_dir() is None
    _check(validators.load("flow", "play-prompt", VERSION))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("FLOWRT_CACHE_DIR", str(blocker))
    _check(validators.load("flow", "play-prompt", VERSION))
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"] * 3
    assert blocker.read_text(encoding="utf-8") == "not a directory"


def test_the_cache_directory_follows_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWRT_CACHE_DIR", raising=False)
    monkeypatch.setattr(validators.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    found = validators.cache_dir()
    assert found is not None and found.parent == Path("/xdg/flowrt/validators")
    assert found.name.startswith(f"{validators.sys.implementation.cache_tag}-")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/u")
    found = validators.cache_dir()
    assert found is not None and found.parent == Path("/home/u/.cache/flowrt/validators")


def test_a_validator_of_another_fastjsonschema_is_generated_instead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert validators.load("flow", "play-prompt", "0.0.0") is None
    assert validators.load("flow", "no-such-block", VERSION) is None
    bad = {"type": "play-prompt", "text": 3}
    schema._fast_validator.cache_clear()
    monkeypatch.setattr(fastjsonschema, "VERSION", "0.0.0")
    try:
        generated = schema._fast_validator("flow", "play-prompt")
        _check(generated)
    finally:
        schema._fast_validator.cache_clear()
    # Generated now, by fastjsonschema itself: its exceptions carry the schema literal, which
    # the shipped source does without.
    with pytest.raises(fastjsonschema.JsonSchemaValueException) as err:
        generated(bad)
    text = schema.shipped_schema("flow")["definitions"]["play-prompt"]["properties"]["text"]
    assert err.value.definition == text
    with pytest.raises(fastjsonschema.JsonSchemaValueException) as err:
        validators.load("flow", "play-prompt", VERSION)(bad)
    assert err.value.definition is None


# What a command imports and builds: only what its input needs.  Checked in a fresh process,
# since this one has imported and built everything by now.

_WHAT_WAS_BUILT = """
import json, sys
from flowrt.cli import main
code = main(sys.argv[1:])
blocks = sys.modules.get("flowrt.lang.blocks")
built = blocks and sorted(n for n, c in blocks.BLOCKS.items() if c.__pydantic_complete__)
loaded = sorted(
    m for m in sys.modules
    if m.startswith("flowrt.email") or m in ("flowrt.cli.completion", "datetime")
)
print(json.dumps([code, built, loaded]))
"""


def _built(tmp_path: Path, *argv: str) -> list[object]:
    """A command's exit code, the block types whose models it built (None: it imported none)
    and which of the email checks' modules, the completion script's and datetime it imported."""
    import json
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-c", _WHAT_WAS_BUILT, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(proc.stdout.splitlines()[-1]))


def test_block_models_are_built_at_their_first_use() -> None:
    import subprocess
    import sys

    code = (
        "from flowrt.lang.blocks import BLOCKS; "
        "print(len(BLOCKS), sum(c.__pydantic_complete__ for c in BLOCKS.values()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    from flowrt.lang.blocks import BLOCKS

    assert out.stdout == f"{len(BLOCKS)} 0\n"


def test_validate_builds_the_models_of_the_block_types_it_meets_only(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    flow = (
        "flow: main\ntype: contact\nstart: hi\nblocks:\n"
        "  hi: {type: play-prompt, text: hello, next: bye}\n  bye: {type: disconnect}\n"
    )
    (tmp_path / "main.flow.yaml").write_text(flow, encoding="utf-8")
    # No email flow: the email checks (and their request models) are not imported either.
    assert _built(tmp_path, "validate", ".") == [0, ["disconnect", "play-prompt"], ["datetime"]]


def test_an_outbound_email_flow_still_gets_the_email_checks(tmp_path: Path) -> None:
    (tmp_path / "instance.yaml").write_text("instance: t\n", encoding="utf-8")
    (tmp_path / "out.flow.yaml").write_text(
        "flow: out\ntype: outbound-email\nstart: send\nblocks:\n"
        "  send: {type: send-message, text: hi, next: bye}\n  bye: {type: disconnect}\n",
        encoding="utf-8",
    )
    # FR206, the mail loop; from the project's email rules alone, not those of email cases.
    assert _built(tmp_path, "validate", ".") == [
        1,
        ["disconnect", "send-message"],
        ["datetime", "flowrt.email", "flowrt.email.loops"],
    ]


def test_help_imports_neither_the_completion_script_nor_datetime(tmp_path: Path) -> None:
    assert _built(tmp_path, "--help") == [0, None, []]


# The condition grammar's parser, shipped serialized.

_CONDITIONS = [
    '$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0',
    "not ($.Attributes.a > 3 or $.Attributes.b contains 'x') and true",
    "$.Attributes.a starts-with 'x' and empty",
    "$.Attributes['odd key'] != -3.5 or false",
    "$.Attributes.a",
    "$.Attributes.a ==",
    "(",
    ")",
    "1 2",
    "'abc",
    "== 3",
    "true and",
    "not not",
    "$.Attributes.a <= 3.5e2",
    "$.Attributes.a ends-with",
    "((true)",
]


def _tree(node: object) -> object:
    """A lark tree as plain values (a rule's name is a Token when built from the grammar and a
    str when loaded; they compare equal, so flowrt sees no difference)."""
    from lark import Token, Tree

    if isinstance(node, Tree):
        return (str(node.data), [_tree(c) for c in node.children])
    assert isinstance(node, Token)
    return (node.type, str(node), node.start_pos, node.end_pos)


def _answers(monkeypatch: pytest.MonkeyPatch, shipped: bool) -> list[object]:
    from flowrt.lang import conditions

    if not shipped:
        monkeypatch.setattr(conditions, "shipped_parser", lambda grammar: None)
    conditions._parser.cache_clear()
    try:
        parser = conditions._parser()
        assert (parser.source_path == "<deserialized>") is shipped
        out: list[object] = []
        for text in _CONDITIONS:
            try:
                out.append(_tree(parser.parse(text)))
            except Exception:
                out.append(None)
            try:
                out.append(repr(conditions.parse_condition(text)))
            except conditions.ExprError as exc:
                out.append((exc.message, exc.offset, exc.end_offset, exc.hint))
        return out
    finally:
        monkeypatch.undo()
        conditions._parser.cache_clear()


def test_the_shipped_parser_equals_a_fresh_one() -> None:
    from flowrt.lang.conditions import PARSER_FILE
    from flowrt.project.schemas import parser_pickle

    shipped = (Path(validators.__file__).parent / PARSER_FILE).read_bytes()
    assert shipped == parser_pickle(), "regenerate with: python -m flowrt.project.schemas"


def test_the_shipped_parser_answers_as_one_built_from_the_grammar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shipped = _answers(monkeypatch, shipped=True)
    built = _answers(monkeypatch, shipped=False)
    assert shipped == built
    # Some of each: trees, conditions, syntax errors with their offsets.
    tier = '$.Attributes.tier == "gold" and $.Metrics.Agents.Available.Count > 0'
    assert shipped[1] == f"Condition({tier!r})"
    assert shipped[11] == (
        "unexpected end of condition",
        17,
        17,
        "expected a number, a reference, a string, empty, false, true",
    )


@pytest.mark.parametrize("damage", ["other grammar", "other lark", "a class", "truncated", "gone"])
def test_a_shipped_parser_that_does_not_fit_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    import pickle
    from importlib import resources

    from flowrt.lang import conditions
    from flowrt.project.schemas import parser_data

    grammar = resources.files("flowrt.lang").joinpath("expr.lark").read_text("utf-8")
    fresh = parser_data()
    sound = pickle.dumps(fresh)
    data = parser_data()
    if damage == "other grammar":
        data["grammar"] = "0" * 64
    elif damage == "other lark":
        data["lark"] = "0.0.1"
    raw = pickle.dumps(data)
    if damage == "a class":  # a pickle that would call something when loaded
        raw = pickle.dumps({**data, "memo": Path("x")})
    elif damage == "truncated":
        raw = raw[: len(raw) // 2]
    package = tmp_path / "lang"
    package.mkdir()
    if damage != "gone":
        (package / conditions.PARSER_FILE).write_bytes(raw)
    monkeypatch.setattr(conditions.resources, "files", lambda name: package)
    assert conditions.shipped_parser(grammar) is None
    (package / conditions.PARSER_FILE).write_bytes(sound)
    assert conditions.shipped_parser(grammar) == {"data": fresh["data"], "memo": fresh["memo"]}


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="owners and modes are POSIX's")
def test_a_cache_directory_others_may_write_in_is_not_used(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validators.load("flow", "play-prompt", VERSION)
    entry = cache / "flow.play-prompt.bin"
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    written = entry.stat().st_mtime_ns
    cache.chmod(0o777)
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"] * 2  # neither read nor written
    assert entry.stat().st_mtime_ns == written
    cache.chmod(0o700)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"] * 2


def _planted(directory: Path) -> None:
    """A sound cache entry for the play-prompt validator whose code is not the validator's: what
    someone who could put files in the cache would plant (its `validate` answers "planted")."""
    import hashlib
    import importlib.util
    import marshal

    path = validators.DIRECTORY / validators.validator_name("flow", "play-prompt")
    source = path.read_bytes()
    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + os.fsencode(path) + b"\0" + source).digest()
    code = compile("def validate(data):\n    return 'planted'\n", str(path), "exec")
    payload = marshal.dumps(code)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry = directory / "flow.play-prompt.bin"
    entry.write_bytes(validators._ENTRY + key + hashlib.sha256(payload).digest() + payload)


def test_a_planted_entry_is_read_when_it_is_in_the_cache_itself(cache: Path) -> None:
    """The test of the tests below: a planted entry in the cache directory is taken (it is
    sound), so what they show is that the cache was not read, not that the entry was bad."""
    _planted(cache)
    assert validators.load("flow", "play-prompt", VERSION)({}) == "planted"


@pytest.mark.skipif(not validators._PINNED, reason="POSIX: opening relative to a directory")
def test_a_cache_directory_that_is_a_symbolic_link_is_not_used(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link in the cache's place (made by someone who may write in a directory above it) to a
    private directory is not followed: neither read nor written."""
    elsewhere = tmp_path / "elsewhere"
    _planted(elsewhere)
    planted = (elsewhere / "flow.play-prompt.bin").read_bytes()
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.symlink_to(elsewhere, target_is_directory=True)
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]
    assert (elsewhere / "flow.play-prompt.bin").read_bytes() == planted
    assert sorted(p.name for p in elsewhere.iterdir()) == ["flow.play-prompt.bin"]


@pytest.mark.skipif(not validators._PINNED, reason="POSIX: opening relative to a directory")
def test_an_entry_that_is_a_symbolic_link_is_neither_read_nor_followed(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    _planted(elsewhere)
    planted = (elsewhere / "flow.play-prompt.bin").read_bytes()
    cache.mkdir(mode=0o700, parents=True)
    (cache / "flow.play-prompt.bin").symlink_to(elsewhere / "flow.play-prompt.bin")
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]
    # The link was replaced by the entry written; what it pointed at is untouched.
    assert not (cache / "flow.play-prompt.bin").is_symlink()
    assert (elsewhere / "flow.play-prompt.bin").read_bytes() == planted
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]  # read from the cache now


@pytest.mark.skipif(not validators._PINNED, reason="POSIX: opening relative to a directory")
def test_a_named_pipe_in_an_entrys_place_is_not_waited_on(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading a named pipe waits for a writer: the cache opens its entries without waiting, and
    takes regular files only (the pipe is then replaced by the entry written)."""
    cache.mkdir(mode=0o700, parents=True)
    os.mkfifo(cache / "flow.play-prompt.bin")
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))  # before: waited for ever
    assert compiled == ["flow.play-prompt.pysrc"]
    assert (cache / "flow.play-prompt.bin").is_file()
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == ["flow.play-prompt.pysrc"]


@pytest.mark.skipif(not validators._PINNED, reason="POSIX: opening relative to a directory")
def test_a_cache_directory_swapped_after_its_check_is_not_read(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone who may write in a directory above the cache swaps another directory in just
    after flowrt checked it: what is read is still the directory that was checked."""
    _check(validators.load("flow", "play-prompt", VERSION))  # the genuine entry, written
    pinned = validators._pinned

    def swapped_after_the_check(directory: Path) -> int | None:
        fd = pinned(directory)
        directory.rename(tmp_path / "checked")
        _planted(directory)  # a private directory of its own, with the planted entry
        return fd

    monkeypatch.setattr(validators, "_pinned", swapped_after_the_check)
    compiled = _compiles(monkeypatch)
    _check(validators.load("flow", "play-prompt", VERSION))
    assert compiled == []  # the genuine entry, read through the directory that was checked


def test_a_deferred_block_model_says_what_an_eager_one_says() -> None:
    from pydantic import ValidationError

    from flowrt.lang.blocks import BLOCKS

    def outcome(cls: type, data: dict[str, object]) -> object:
        try:
            return cls.model_validate(data).model_dump(mode="json")  # type: ignore[attr-defined]
        except ValidationError as exc:
            return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]

    seen = 0
    for name, cls in BLOCKS.items():
        assert cls.model_config.get("defer_build") is True
        eager = type(f"Eager{cls.__name__}", (cls,), {"model_config": {"defer_build": False}})
        assert eager.__pydantic_complete__
        for data in (
            {"type": name},
            {"type": name, "sucess": "x"},
            {"type": name, "next": 3},
            {"type": name, "id": 5, "description": ["x"]},
            {"type": name, "text": "hi", "queue": "Q", "next": {"success": "a"}},
        ):
            assert outcome(eager, data) == outcome(cls, data), (name, data)
            seen += 1
    assert seen == 5 * len(BLOCKS)

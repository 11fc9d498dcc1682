"""Start-up without changing results: the pre-generated validators made small and their bytecode
cached (a stale or corrupted entry is never trusted)."""

from __future__ import annotations

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

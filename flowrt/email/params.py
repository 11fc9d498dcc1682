"""The parameter checks of the boto3-shaped client, driven by the table of flowrt.email.shapes.

Two kinds, in this order:

1. botocore's own checks, which boto3 makes before it sends anything: a required member left
   out, an unknown one, a value of the wrong type (`None` included), a string or list shorter
   than its minimum, an integer under its minimum.  All of them at once, in botocore's words and
   order, as one `ParamValidationError` ("Parameter validation failed:" and a line each).
2. What the service would refuse of a request that passed them (`check` returns these, in
   order; the client raises the first as the operation's error): a string or list longer than
   its maximum, an integer over it, a value a string may not take, `True`/`False` for an
   integer, values nested more than MAX_DEPTH deep.

Values shown in messages are cut, so a message stays short whatever a call is given.
"""

from __future__ import annotations

import contextlib
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowrt.email.errors import ConnectError, Path
from flowrt.email.shapes import SHAPES, Shape

#: Values nested deeper than this (segment attribute maps, search conditions) are refused.
MAX_DEPTH = 32
#: A report stops after this many problems (botocore lists them all).
MAX_PROBLEMS = 10
#: A line of a report, or a name in it, is cut to this many characters.
MAX_LINE = 300

#: The Python types botocore takes for each type of shape.
PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "structure": (dict,),
    "map": (dict,),
    "list": (list, tuple),
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "boolean": (bool,),
}


class ParamValidationError(ConnectError):
    """botocore.exceptions.ParamValidationError: the parameters break the operation's shape.

    Raised before anything is done, like boto3's (which raises it before sending the request).
    `str(err)` is botocore's: "Parameter validation failed:" and one line per problem; `report`
    (also `kwargs["report"]`, as in botocore) is those lines.  As every error of the client, it
    is a `ConnectError`: `response["Error"]["Code"]` is "ParamValidationError".
    """

    CODE = "ParamValidationError"
    STATUS = 400
    fmt = "Parameter validation failed:\n{report}"

    def __init__(self, report: str, operation: str = "", *, path: Path = ()) -> None:
        super().__init__(report, operation, path=path)
        self.report = report
        self.kwargs = {"report": report}
        self.args = (str(self),)

    def __str__(self) -> str:
        return self.fmt.format(report=self.report)


@dataclass(frozen=True)
class Refusal:
    """What the service would refuse: a message and the path of the parameter."""

    message: str
    path: Path


class _Stop(Exception):
    """Enough problems: stop looking."""


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _REPR.maxlong = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 3


def shown(value: object) -> str:
    """A value as botocore's messages show it (`str`), cut to a readable length."""
    if isinstance(value, str):
        return cut(value, 60)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<an integer of about {int(value.bit_length() / 3.3219):,} digits>"
    try:
        return cut(_REPR.repr(value), MAX_LINE)
    except Exception:  # noqa: BLE001 - a value whose repr fails is still shown
        return f"<a {type(value).__name__}>"


def cut(text: str, limit: int = MAX_LINE) -> str:
    """`text` cut to `limit` characters (saying how many more), control characters escaped."""
    part = text[:limit]
    if not part.isprintable():
        part = repr(part)[1:-1]
    return part if len(text) <= limit else f"{part}... ({len(text) - limit:,} more characters)"


def _label(name: str) -> str:
    """botocore's name of a parameter in messages: `input` for the whole, no leading dot."""
    return cut(name.removeprefix(".") or "input")


class _Walk:
    """One walk over a call's parameters: botocore's problems, then the service's refusals."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.refusals: list[Refusal] = []
        self.deep: list[Refusal] = []

    def problem(self, text: str) -> None:
        self.problems.append(cut(text))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _Stop

    def refuse(self, text: str, path: Path) -> None:
        self.refusals.append(Refusal(text, path))

    def value(self, value: Any, shape: Shape, name: str, path: Path) -> None:
        if len(path) > MAX_DEPTH:
            message = f"{_label(name)} is nested more than {MAX_DEPTH} levels deep"
            self.deep.append(Refusal(message, path))
            raise _Stop
        valid = PYTHON_TYPES[shape.type]
        if not isinstance(value, valid):
            self.problem(
                f"Invalid type for parameter {_label(name)}, value: {shown(value)}, "
                f"type: {type(value)}, valid types: {', '.join(str(t) for t in valid)}"
            )
            return
        getattr(self, f"_{shape.type}")(value, shape, name, path)

    def _length(self, size: int, shape: Shape, name: str, path: Path) -> bool:
        """botocore's minimum, then the service's maximum; False when over the maximum."""
        if shape.min is not None and size < shape.min:
            self.problem(
                f"Invalid length for parameter {_label(name)}, value: {size}, "
                f"valid min length: {shape.min}"
            )
        elif shape.max is not None and size > shape.max:
            self.refuse(
                f"Invalid length for parameter {_label(name)}, value: {size:,}, "
                f"valid max length: {shape.max}",
                path,
            )
            return False
        return True

    def _structure(self, value: dict[Any, Any], shape: Shape, name: str, path: Path) -> None:
        members = dict(shape.members)
        for required in shape.required:
            if required not in value:
                self.problem(f'Missing required parameter in {_label(name)}: "{required}"')
        known = []
        for key in value:
            if key in members:
                known.append(key)
            else:
                self.problem(
                    f'Unknown parameter in {_label(name)}: "{shown(key)}", must be one of: '
                    f"{', '.join(members)}"
                )
        for key in known:
            self.value(value[key], SHAPES[members[key]], f"{name}.{key}", (*path, key))

    def _list(self, value: list[Any], shape: Shape, name: str, path: Path) -> None:
        if self._length(len(value), shape, name, path):  # an over-long list is not walked
            member = SHAPES[shape.member]
            for i, item in enumerate(value):
                self.value(item, member, f"{name}[{i}]", (*path, i))

    def _map(self, value: dict[Any, Any], shape: Shape, name: str, path: Path) -> None:
        if not self._length(len(value), shape, name, path):
            return
        key_shape, value_shape = SHAPES[shape.key], SHAPES[shape.value]
        for key, item in value.items():
            text = shown(key)
            at = (*path, key if isinstance(key, str) else text)
            self.value(key, key_shape, f"{name} (key: {text})", at)
            self.value(item, value_shape, f"{name}.{text}", at)

    def _string(self, value: str, shape: Shape, name: str, path: Path) -> None:
        if self._length(len(value), shape, name, path) and shape.enum and value not in shape.enum:
            self.refuse(
                f"Invalid value for parameter {_label(name)}, value: {shown(value)}, "
                f"valid values: {', '.join(shape.enum)}",
                path,
            )

    def _integer(self, value: int, shape: Shape, name: str, path: Path) -> None:
        if shape.min is not None and value < shape.min:
            self.problem(
                f"Invalid value for parameter {_label(name)}, value: {shown(value)}, "
                f"valid min value: {shape.min}"
            )
        elif isinstance(value, bool):  # botocore lets a bool through: the service does not
            self.refuse(
                f"Invalid type for parameter {_label(name)}, value: {value}, "
                f"type: {bool}, valid types: {int}",
                path,
            )
        elif shape.max is not None and value > shape.max:
            self.refuse(
                f"Invalid value for parameter {_label(name)}, value: {shown(value)}, "
                f"valid max value: {shape.max}",
                path,
            )

    _long = _integer

    def _boolean(self, value: bool, shape: Shape, name: str, path: Path) -> None:
        pass


def check(
    input_shape: str, params: Mapping[str, Any], operation: str, error: type[ConnectError]
) -> list[Refusal]:
    """Check a call's parameters against its input shape (flowrt.email.shapes).

    Raises ParamValidationError with botocore's problems, or `error` for values nested too deep
    (botocore itself would not get to their end); returns what the service would refuse, in the
    order found (empty when nothing).
    """
    walk = _Walk()
    with contextlib.suppress(_Stop):
        walk.value(dict(params), SHAPES[input_shape], "", ())
    if walk.deep:
        raise error(walk.deep[0].message, operation, path=walk.deep[0].path)
    if walk.problems:
        raise ParamValidationError("\n".join(walk.problems), operation)
    return walk.refusals

"""Pydantic's validation errors as the helpline's one-line configuration problems.

Each error becomes one line: the place in the file, then what is wrong in words an
admin can act on (`queue.max_wait_seconds: expected a whole number, got 'ten minutes'`),
never pydantic's own wording or its links. An unknown key names the closest known one,
because a misspelt section is otherwise silently replaced by its defaults
(`retension: unknown section — did you mean 'retention'?`). Pure.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Loc = tuple[int | str, ...]

# pydantic marks an error in a mapping's key (not its value) with this last step.
_KEY_STEP = "[key]"


def dotted_place(loc: Loc) -> str:
    """`('numbers', 2, 'menu', 1)` → `numbers[2].menu[1]`."""
    place = ""
    for step in loc:
        if step == _KEY_STEP:
            continue
        place += f"[{step}]" if isinstance(step, int) else (f".{step}" if place else str(step))
    return place or "top level"


def one_line_problems(error: ValidationError, schema: type,
                      place: Callable[[Loc], str] = dotted_place) -> list[str]:
    """Every error of `error` (raised validating `schema`) as `place: problem`."""
    return [f"{place(tuple(detail['loc']))}: {_problem(detail, schema)}"
            for detail in error.errors(include_url=False)]


def _problem(detail: ErrorDetails, schema: type) -> str:
    kind, value, ctx = detail["type"], detail.get("input"), detail.get("ctx") or {}
    loc = tuple(detail["loc"])
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return _unknown_key(loc, schema)
    if kind == "missing" or kind == "missing_argument":
        return "missing"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", detail["msg"]))
    if kind == "too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "literal_error":
        return f"{_shown(value)} is not one of {_choices(ctx.get('expected', ''))}"
    words = _WORDS.get(kind)
    if words is not None:
        return words.format(got=_shown(value), **{k: str(v) for k, v in ctx.items()})
    message = detail["msg"]
    return message[:1].lower() + message[1:]


_WORDS = {
    "bool_type": "expected true or false, got {got}",
    "int_type": "expected a whole number, got {got}",
    "int_parsing": "expected a whole number, got {got}",
    "int_from_float": "expected a whole number, got {got}",
    "float_type": "expected a number, got {got}",
    "float_parsing": "expected a number, got {got}",
    "string_type": "expected text, got {got}",
    "string_too_short": "must not be empty",
    "list_type": "expected a list, got {got}",
    "tuple_type": "expected a list, got {got}",
    "dict_type": "expected a mapping, got {got}",
    "model_type": "expected a mapping, got {got}",
    "model_attributes_type": "expected a mapping, got {got}",
    "dataclass_type": "expected a mapping, got {got}",
    "dataclass_args_type": "expected a mapping, got {got}",
    "too_short": "must list at least {min_length}",
    "too_long": "must list at most {max_length}",
    "greater_than_equal": "must be at least {ge}, got {got}",
    "greater_than": "must be more than {gt}, got {got}",
    "less_than_equal": "must be at most {le}, got {got}",
    "less_than": "must be less than {lt}, got {got}",
}


def _unknown_key(loc: Loc, schema: type) -> str:
    key = str(loc[-1])
    what = "unknown section" if len(loc) == 1 else "unknown setting"
    known = sorted(_known_keys(schema, loc[:-1]))
    if not known:
        return what
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"{what} — did you mean {close[0]!r}?"
    return f"{what} — expected one of {', '.join(known)}"


def _known_keys(schema: Any, loc: Loc) -> list[str]:
    """The keys the schema allows at `loc` (e.g. a number's keys at `('numbers', 3)`)."""
    shape: Any = schema
    for step in loc:
        shape = _inside(shape, step)
        if shape is None:
            return []
    return list(_fields(_unwrap(shape)))


def _inside(shape: Any, step: int | str) -> Any:
    shape = _unwrap(shape)
    origin = typing.get_origin(shape)
    args = typing.get_args(shape)
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return args[1] if len(args) == 2 else None
    if origin is not None and isinstance(origin, type) and issubclass(origin, Sequence):
        return args[0] if args else None
    return _fields(shape).get(str(step))


def _fields(shape: Any) -> dict[str, Any]:
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return {name: info.annotation for name, info in shape.model_fields.items()}
    if isinstance(shape, type) and dataclasses.is_dataclass(shape):
        return dict(typing.get_type_hints(shape))
    return {}


def _unwrap(shape: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` → X."""
    while True:
        origin = typing.get_origin(shape)
        if origin is typing.Annotated:
            shape = typing.get_args(shape)[0]
        elif origin is typing.Union or origin is types.UnionType:
            shape = next((arg for arg in typing.get_args(shape) if arg is not type(None)),
                         None)
        else:
            return shape


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _choices(expected: object) -> str:
    # pydantic lists literal choices as "'agent', 'voicemail' or 'repeat'".
    return str(expected).replace("'", "").replace(" or ", ", ")

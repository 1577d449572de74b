"""Request validation against botocore's service model of ``pinpoint-sms-voice-v2``.

The model is loaded at run time, so the emulator checks exactly the constraints the installed botocore
knows: required members, JSON types, enums, lengths, full-match patterns, list lengths, integer ranges
and unknown members. Messages follow the service's (Coral) wording, for example::

    1 validation error detected: Value 'my pool' at 'poolId' failed to satisfy constraint:
    Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]*

The path in the message is the service's camelCase form (``tags.1.member.key``, lists counted from 1);
the ``Name`` of each entry in ``Fields`` is the same path with the API's member names (``Tags.1.member.Key``).
Type errors and unknown members are reported the same way; that wording is the emulator's own.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from .models import ValidationException

SERVICE_NAME = "pinpoint-sms-voice-v2"

_NOT_NULL = "Member must not be null"


@dataclass(frozen=True)
class FieldError:
    """One failed constraint: ``path`` in the service's camelCase, ``name`` in API member names."""

    path: str
    name: str
    value: Any
    constraint: str

    def sentence(self) -> str:
        shown = "null" if self.value is None else f"'{_render(self.value)}'"
        if self.constraint == _NOT_NULL:
            return f"Value null at '{self.path}' failed to satisfy constraint: {self.constraint}"
        return f"Value {shown} at '{self.path}' failed to satisfy constraint: {self.constraint}"


@functools.lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """The installed botocore's model of the service (loaded once per process)."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@functools.lru_cache(maxsize=1)
def operation_names() -> frozenset[str]:
    """Every operation the service model defines (built once: every request and fault checks it)."""
    return frozenset(service_model().operation_names)


def operation_model(name: str) -> OperationModel:
    """The model of one operation. Raises ``botocore.exceptions.OperationNotFoundError`` when unknown."""
    return service_model().operation_model(name)


def validate(operation: str, params: Any) -> None:
    """Check ``params`` (the decoded JSON body) against the input shape of ``operation``.

    Raises:
        ValidationException: ``Reason`` ``MISSING_PARAMETER`` when every error is a missing required
            member, else ``FIELD_VALIDATION_FAILED``; ``Fields`` lists each failed constraint.

    Example:
        >>> validate("DeletePool", {"PoolId": "pool-1"})  # passes silently
    """
    shape = operation_model(operation).input_shape
    errors: list[FieldError] = []
    if shape is not None:
        _check_structure(shape, params, "", "", errors)
    if not errors:
        return
    raise validation_exception(errors)


def validation_exception(errors: list[FieldError]) -> ValidationException:
    """Build the service's ValidationException for a list of failed constraints."""
    count = len(errors)
    message = f"{count} validation error{'s' if count != 1 else ''} detected: " + "; ".join(
        e.sentence() for e in errors
    )
    reason = (
        "MISSING_PARAMETER" if all(e.constraint == _NOT_NULL for e in errors) else "FIELD_VALIDATION_FAILED"
    )
    fields = [{"Name": e.name, "Message": e.constraint} for e in errors]
    return ValidationException(message, reason=reason, fields=fields)


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
    "timestamp": (int, float, str),
    "blob": (str,),
    "list": (list,),
    "structure": (dict,),
    "map": (dict,),
}


def _has_type(value: Any, type_name: str) -> bool:
    # JSON has no separate boolean and number types in Python's eyes (bool is an int): tell them apart.
    if isinstance(value, bool):
        return type_name == "boolean"
    return isinstance(value, _JSON_TYPES.get(type_name, (object,)))


def _check(shape: Shape, value: Any, path: str, name: str, errors: list[FieldError]) -> None:
    if not _has_type(value, shape.type_name):
        errors.append(FieldError(path, name, value, f"Member must be of type {shape.type_name}"))
        return
    meta = shape.metadata
    if shape.type_name == "string":
        _check_length(value, meta, path, name, errors)
        pattern = meta.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            errors.append(
                FieldError(path, name, value, f"Member must satisfy regular expression pattern: {pattern}")
            )
        enum = meta.get("enum")
        if enum and value not in enum:
            errors.append(
                FieldError(path, name, value, f"Member must satisfy enum value set: [{', '.join(enum)}]")
            )
    elif shape.type_name in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            errors.append(
                FieldError(
                    path, name, value, f"Member must have value greater than or equal to {meta['min']}"
                )
            )
        if "max" in meta and value > meta["max"]:
            errors.append(
                FieldError(path, name, value, f"Member must have value less than or equal to {meta['max']}")
            )
    elif isinstance(shape, ListShape):
        _check_length(value, meta, path, name, errors)
        for index, item in enumerate(value, start=1):
            item_path = f"{path}.{index}.member"
            item_name = f"{name}.{index}.member"
            if item is None:
                errors.append(FieldError(item_path, item_name, None, _NOT_NULL))
            else:
                _check(shape.member, item, item_path, item_name, errors)
    elif isinstance(shape, StructureShape):
        _check_structure(shape, value, path, name, errors)
    elif isinstance(shape, MapShape):
        _check_length(value, meta, path, name, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{path}.{key}.key", f"{name}.{key}.key", errors)
            if item is not None:
                _check(shape.value, item, f"{path}.{key}.value", f"{name}.{key}.value", errors)


def _check_length(value: Any, meta: dict[str, Any], path: str, name: str, errors: list[FieldError]) -> None:
    if "min" in meta and len(value) < meta["min"]:
        errors.append(
            FieldError(path, name, value, f"Member must have length greater than or equal to {meta['min']}")
        )
    if "max" in meta and len(value) > meta["max"]:
        errors.append(
            FieldError(path, name, value, f"Member must have length less than or equal to {meta['max']}")
        )


def _check_structure(
    shape: StructureShape, value: Any, path: str, name: str, errors: list[FieldError]
) -> None:
    if not isinstance(value, dict):
        errors.append(FieldError(path or "input", name or "input", value, "Member must be of type structure"))
        return
    members = shape.members
    for key in value:
        if key not in members:
            errors.append(
                FieldError(
                    _join(path, _camel(key)),
                    _join(name, key),
                    value[key],
                    "Member is not defined in the input",
                )
            )
    for member_name, member_shape in members.items():
        member_path = _join(path, _camel(member_name))
        member_full = _join(name, member_name)
        member_value = value.get(member_name)
        if member_value is None:
            if member_name in shape.required_members:
                errors.append(FieldError(member_path, member_full, None, _NOT_NULL))
            continue
        _check(member_shape, member_value, member_path, member_full, errors)

"""CloudFormation intrinsic functions and dependencies: pure, no AWS.

Supported: ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``, and the pseudo
parameters ``AWS::Region``, ``AWS::AccountId``, ``AWS::Partition``, ``AWS::StackName``, ``AWS::StackId``,
``AWS::URLSuffix`` and ``AWS::NoValue``. Anything else raises a ``TemplateError`` naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from local_deploy.errors import TemplateError

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
NO_VALUE = "AWS::NoValue"


@dataclass
class Scope:
    """What names resolve to while one resource's properties are resolved.

    Args:
        pseudo: pseudo parameter values by name (``AWS::Region`` ...).
        parameters: template parameter values by name.
        ref: logical ID -> the value of ``Ref`` (raises ``TemplateError`` when not available).
        get_att: (logical ID, attribute) -> the value of ``Fn::GetAtt``.
        where: the resource being resolved, named in every error. Default: ``""``.
    """

    pseudo: dict[str, str]
    parameters: dict[str, Any]
    ref: Callable[[str], Any]
    get_att: Callable[[str, str], Any]
    where: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


def pseudo_parameters(*, region: str, account: str, stack_name: str, stack_id: str) -> dict[str, str]:
    """The pseudo parameters of the local "account", partition and URL suffix derived from the region."""
    partition = (
        "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    )
    return {
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": partition,
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
    }


def resolve(value: Any, scope: Scope) -> Any:
    """Resolve every intrinsic function in ``value``; a ``Ref`` to ``AWS::NoValue`` removes the key.

    Raises:
        TemplateError: an unsupported function, a malformed argument, or a name that does not resolve.

    Example:
        >>> s = Scope({"AWS::Region": "us-east-1"}, {}, lambda n: n, lambda n, a: f"{n}.{a}")
        >>> resolve({"Fn::Join": ["-", [{"Ref": "AWS::Region"}, "x"]]}, s)
        'us-east-1-x'
    """
    if isinstance(value, list):
        items = [resolve(v, scope) for v in value]
        return [v for v in items if v is not _REMOVED]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return _ref(arg, scope)
        if key == "Fn::GetAtt":
            logical, attribute = _get_att_target(arg, scope)
            return scope.get_att(logical, attribute)
        if key == "Fn::Join":
            return _join(arg, scope)
        if key == "Fn::Sub":
            return _sub(arg, scope)
        if key == "Fn::Select":
            return _select(arg, scope)
        if key == "Fn::Split":
            return _split(arg, scope)
        if key.startswith("Fn::") or key == "Condition":
            raise TemplateError(
                f"{scope.where}: intrinsic function {key} is not supported by the local driver"
            )
    out = {}
    for k, v in value.items():
        resolved = resolve(v, scope)
        if resolved is not _REMOVED:
            out[k] = resolved
    return out


class _Removed:
    def __repr__(self) -> str:
        return "AWS::NoValue"


_REMOVED = _Removed()


def _ref(name: Any, scope: Scope) -> Any:
    if not isinstance(name, str):
        raise TemplateError(f"{scope.where}: Ref must name a resource or parameter, got {name!r}")
    if name == NO_VALUE:
        return _REMOVED
    if name in scope.pseudo:
        return scope.pseudo[name]
    if name.startswith("AWS::"):
        raise TemplateError(f"{scope.where}: pseudo parameter {name} is not supported by the local driver")
    if name in scope.parameters:
        return scope.parameters[name]
    return scope.ref(name)


def _get_att_target(arg: Any, scope: Scope) -> tuple[str, str]:
    if isinstance(arg, str) and "." in arg:
        logical, attribute = arg.split(".", 1)
        return logical, attribute
    if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
        return arg[0], arg[1]
    raise TemplateError(f"{scope.where}: Fn::GetAtt must be [LogicalId, Attribute], got {arg!r}")


def _join(arg: Any, scope: Scope) -> str:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        raise TemplateError(f"{scope.where}: Fn::Join must be [delimiter, [values]], got {arg!r}")
    items = resolve(arg[1], scope)
    if not isinstance(items, list):
        raise TemplateError(f"{scope.where}: Fn::Join needs a list of values, got {items!r}")
    return arg[0].join(_scalar(i, "Fn::Join", scope) for i in items)


def _sub(arg: Any, scope: Scope) -> str:
    if isinstance(arg, str):
        text, variables = arg, {}
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        text, variables = arg[0], {k: resolve(v, scope) for k, v in arg[1].items()}
    else:
        raise TemplateError(
            f"{scope.where}: Fn::Sub must be a string or [string, {{variables}}], got {arg!r}"
        )

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} writes ${Literal}
            return "${" + name[1:] + "}"
        if name in variables:
            return _scalar(variables[name], "Fn::Sub", scope)
        if "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            return _scalar(scope.get_att(logical, attribute), "Fn::Sub", scope)
        return _scalar(_ref(name, scope), "Fn::Sub", scope)

    return _SUB_VARIABLE.sub(replace, text)


def _select(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise TemplateError(f"{scope.where}: Fn::Select must be [index, [values]], got {arg!r}")
    index, items = resolve(arg[0], scope), resolve(arg[1], scope)
    try:
        return items[int(index)]
    except (ValueError, TypeError, IndexError):
        raise TemplateError(f"{scope.where}: Fn::Select index {index!r} is not in {items!r}") from None


def _split(arg: Any, scope: Scope) -> list[str]:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        raise TemplateError(f"{scope.where}: Fn::Split must be [delimiter, string], got {arg!r}")
    return _scalar(resolve(arg[1], scope), "Fn::Split", scope).split(arg[0])


def _scalar(value: Any, function: str, scope: Scope) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TemplateError(f"{scope.where}: {function} needs a string, got {value!r}")


def references(value: Any) -> set[str]:
    """Names that ``value`` refers to through Ref, Fn::GetAtt and Fn::Sub (pseudo parameters excluded).

    Example:
        >>> sorted(references({"Fn::Sub": "${Pool.Arn}-${AWS::Region}-${Name}"}))
        ['Name', 'Pool']
    """
    found: set[str] = set()
    _collect(value, found)
    return {name for name in found if not name.startswith("AWS::")}


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, list):
        for v in value:
            _collect(v, found)
        return
    if not isinstance(value, dict):
        return
    for key, arg in value.items():
        if key == "Ref" and isinstance(arg, str):
            found.add(arg)
        elif key == "Fn::GetAtt":
            if isinstance(arg, str):
                found.add(arg.split(".", 1)[0])
            elif isinstance(arg, list) and arg and isinstance(arg[0], str):
                found.add(arg[0])
        elif key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            for name in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                if not name.startswith("!") and name not in variables:
                    found.add(name.split(".", 1)[0])
            _collect(variables, found)
        else:
            _collect(arg, found)


def dependencies(resources: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Each resource's dependencies on other resources (Ref, Fn::GetAtt, Fn::Sub, DependsOn).

    Raises:
        TemplateError: a DependsOn naming a resource that is not in the template.

    Example:
        >>> dependencies({"A": {"Type": "T"}, "B": {"Type": "T", "DependsOn": "A"}})
        {'A': set(), 'B': {'A'}}
    """
    graph: dict[str, set[str]] = {}
    for logical, resource in resources.items():
        depends_on = resource.get("DependsOn", [])
        depends_on = [depends_on] if isinstance(depends_on, str) else list(depends_on)
        for name in depends_on:
            if name not in resources:
                raise TemplateError(
                    f"{logical}: DependsOn names {name!r}, which is not a resource in the template"
                )
        refs = references(resource.get("Properties", {})) & set(resources)
        graph[logical] = (refs | set(depends_on)) - {logical}
    return graph


def creation_order(graph: dict[str, set[str]]) -> list[str]:
    """Resources in an order where each comes after everything it depends on (ties by logical ID).

    Raises:
        TemplateError: a circular dependency, naming the resources in the cycle.

    Example:
        >>> creation_order({"B": {"A"}, "A": set()})
        ['A', 'B']
    """
    remaining = {name: set(deps) & set(graph) for name, deps in graph.items()}
    order: list[str] = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            raise TemplateError(f"Circular dependency between resources: {', '.join(sorted(remaining))}")
        for name in ready:
            order.append(name)
            del remaining[name]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def deletion_order(graph: dict[str, set[str]], names: Iterable[str] | None = None) -> list[str]:
    """The reverse of ``creation_order``, limited to ``names``. Default: - every resource in the graph."""
    keep = set(graph if names is None else names)
    return [name for name in reversed(creation_order(graph)) if name in keep]

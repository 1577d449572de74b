"""CloudFormation intrinsic functions, conditions and dependencies: pure, no AWS.

Supported (CloudFormation User Guide, "Intrinsic function reference"): ``Ref``, ``Fn::GetAtt``,
``Fn::Join``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``, ``Fn::If``, ``Fn::FindInMap``,
``Fn::ImportValue``, ``Fn::Base64``, ``Fn::GetAZs``, the condition functions ``Fn::Equals``, ``Fn::And``,
``Fn::Or``, ``Fn::Not`` and ``Condition``, and the pseudo parameters ``AWS::Region``, ``AWS::AccountId``,
``AWS::Partition``, ``AWS::StackName``, ``AWS::StackId``, ``AWS::URLSuffix`` and ``AWS::NoValue``.
Anything else raises a ``TemplateError`` naming it.

A value not known yet (the physical ID of a resource still to be created) is a ``Pending`` string: the
driver resolves every property of every resource with them before the first change, so a template
error stops a deploy before any event, as CloudFormation validates a template before it starts.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sms_pool_settings_local.deploy.errors import TemplateError

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
    conditions: dict[str, bool] = field(default_factory=dict)
    mappings: dict[str, Any] = field(default_factory=dict)
    import_value: Callable[[str], Any] | None = None


class Pending(str):
    """A value known only once a resource has been applied (a placeholder during validation)."""


class PendingList(list[Any]):
    """``Fn::Split`` of a ``Pending`` value: any ``Fn::Select`` of it is ``Pending``."""


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
        function = _FUNCTIONS.get(key)
        if function is not None:
            return function(arg, scope)
        if key == "Fn::Base64":
            text = resolve(arg, scope)
            if isinstance(text, Pending):
                return Pending(text)
            return base64.b64encode(_scalar(text, "Fn::Base64", scope).encode()).decode()
        if key == "Fn::GetAZs":
            # The local region has three zones, named as AWS names them ("us-east-1a" ...).
            region = resolve(arg, scope) or scope.pseudo.get("AWS::Region", "")
            return [f"{region}{zone}" for zone in "abc"]
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


def _functions() -> dict[str, Callable[[Any, Scope], Any]]:
    return {
        "Fn::Join": _join,
        "Fn::Sub": _sub,
        "Fn::Select": _select,
        "Fn::Split": _split,
        "Fn::If": _if,
        "Fn::FindInMap": _find_in_map,
        "Fn::ImportValue": _import_value,
    }


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
    if isinstance(items, (Pending, PendingList)):
        return Pending(items if isinstance(items, Pending) else "")
    if not isinstance(items, list):
        raise TemplateError(f"{scope.where}: Fn::Join needs a list of values, got {items!r}")
    text = arg[0].join(_scalar(i, "Fn::Join", scope) for i in items)
    return Pending(text) if any(isinstance(i, Pending) for i in items) else text


def _sub(arg: Any, scope: Scope) -> str:
    if isinstance(arg, str):
        text, variables = arg, {}
    elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
        text, variables = arg[0], {k: resolve(v, scope) for k, v in arg[1].items()}
    else:
        raise TemplateError(
            f"{scope.where}: Fn::Sub must be a string or [string, {{variables}}], got {arg!r}"
        )

    pending = False

    def replace(match: re.Match[str]) -> str:
        nonlocal pending
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} writes ${Literal}
            return "${" + name[1:] + "}"
        if name in variables:
            value = variables[name]
        elif "." in name and not name.startswith("AWS::"):
            logical, attribute = name.split(".", 1)
            value = scope.get_att(logical, attribute)
        else:
            value = _ref(name, scope)
        pending = pending or isinstance(value, Pending)
        return _scalar(value, "Fn::Sub", scope)

    result = _SUB_VARIABLE.sub(replace, text)
    return Pending(result) if pending else result


def _select(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 2):
        raise TemplateError(f"{scope.where}: Fn::Select must be [index, [values]], got {arg!r}")
    index, items = resolve(arg[0], scope), resolve(arg[1], scope)
    if isinstance(items, (Pending, PendingList)) or isinstance(index, Pending):
        return Pending("")
    try:
        return items[int(index)]
    except (ValueError, TypeError, IndexError):
        raise TemplateError(f"{scope.where}: Fn::Select index {index!r} is not in {items!r}") from None


def _split(arg: Any, scope: Scope) -> list[str]:
    if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
        raise TemplateError(f"{scope.where}: Fn::Split must be [delimiter, string], got {arg!r}")
    text = resolve(arg[1], scope)
    if isinstance(text, Pending):
        return PendingList(Pending(part) for part in text.split(arg[0]))
    return _scalar(text, "Fn::Split", scope).split(arg[0])


def _if(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str)):
        raise TemplateError(
            f"{scope.where}: Fn::If must be [condition name, value if true, value if false], got {arg!r}"
        )
    if arg[0] not in scope.conditions:
        raise TemplateError(
            f"{scope.where}: Fn::If names condition {arg[0]!r}, which is not in the template's Conditions"
        )
    return resolve(arg[1] if scope.conditions[arg[0]] else arg[2], scope)


def _find_in_map(arg: Any, scope: Scope) -> Any:
    if not (isinstance(arg, list) and len(arg) == 3):
        raise TemplateError(
            f"{scope.where}: Fn::FindInMap must be [map name, top-level key, second-level key], got {arg!r}"
        )
    map_name, top, second = (resolve(a, scope) for a in arg)
    for key in (map_name, top, second):
        if not isinstance(key, str) or isinstance(key, Pending):
            raise TemplateError(f"{scope.where}: Fn::FindInMap keys must resolve to strings, got {arg!r}")
    try:
        return scope.mappings[map_name][top][second]
    except (KeyError, TypeError):
        raise TemplateError(
            f"{scope.where}: Fn::FindInMap [{map_name}, {top}, {second}]: no such key in the template's "
            "Mappings"
        ) from None


def _import_value(arg: Any, scope: Scope) -> Any:
    name = resolve(arg, scope)
    if not isinstance(name, str) or isinstance(name, Pending):
        raise TemplateError(f"{scope.where}: Fn::ImportValue needs an export name, got {arg!r}")
    if scope.import_value is None:
        raise TemplateError(f"{scope.where}: Fn::ImportValue {name!r}: no exports are known here")
    return scope.import_value(name)


def evaluate_conditions(
    conditions: dict[str, Any], pseudo: dict[str, str], parameters: dict[str, Any]
) -> dict[str, bool]:
    """Each condition of the template's ``Conditions`` as a boolean (User Guide, "Condition functions").

    Raises:
        TemplateError: a function other than Fn::Equals/And/Or/Not/Condition, a condition naming an
            unknown one, or a cycle.

    Example:
        >>> evaluate_conditions({"IsUs": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}},
        ...                     {"AWS::Region": "us-east-1"}, {})
        {'IsUs': True}
    """
    values: dict[str, bool] = {}
    active: list[str] = []

    def condition(name: str) -> bool:
        if name in values:
            return values[name]
        if name not in conditions:
            raise TemplateError(f"Condition {name!r} is not in the template's Conditions")
        if name in active:
            raise TemplateError(f"Circular dependency between conditions: {', '.join([*active, name])}")
        active.append(name)
        values[name] = evaluate(conditions[name], name)
        active.pop()
        return values[name]

    def no_ref(_name: str) -> Any:
        raise TemplateError(
            f"Condition {active[-1]}: a condition can only Ref parameters and pseudo parameters"
        )

    def evaluate(value: Any, where: str) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        if not (isinstance(value, dict) and len(value) == 1):
            raise TemplateError(f"Condition {where}: expected a condition function, got {value!r}")
        ((key, arg),) = value.items()
        if key == "Condition" and isinstance(arg, str):
            return condition(arg)
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            return not evaluate(arg[0], where)
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list) and 2 <= len(arg) <= 10:
            results = [evaluate(a, where) for a in arg]
            return all(results) if key == "Fn::And" else any(results)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            scope = Scope(pseudo, parameters, no_ref, lambda n, a: no_ref(n), where, conditions=values)
            left, right = (resolve(a, scope) for a in arg)
            return bool(stringify_scalar(left) == stringify_scalar(right))
        raise TemplateError(f"Condition {where}: {key} is not a condition function or is malformed: {arg!r}")

    for name in conditions:
        condition(name)
    return values


def stringify_scalar(value: Any) -> Any:
    """``True`` -> ``"true"``, ``3`` -> ``"3"``: CloudFormation compares the text of scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _scalar(value: Any, function: str, scope: Scope) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TemplateError(f"{scope.where}: {function} needs a string, got {value!r}")


_FUNCTIONS = _functions()


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

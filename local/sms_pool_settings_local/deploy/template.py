"""Read a synthesized stack from a cloud assembly (``cdk.out``): pure file reading, no AWS."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sms_pool_settings_local.deploy.errors import TemplateError

STACK_ARTIFACT_TYPE = "aws:cloudformation:stack"
# CDK's default synthesizer adds this parameter and a rule that checks it against the bootstrap stack's
# SSM parameter. Nothing local reads it; a resource that Refs it gets the clear error of ``parameter``.
BOOTSTRAP_VERSION_PARAMETER = "BootstrapVersion"


@dataclass(frozen=True)
class Template:
    """One stack's template with the name it is deployed under.

    Args:
        stack_name: the CloudFormation stack name (the artifact's ``stackName``, else its ID).
        body: the template as parsed JSON.
        path: where it was read from, for messages.
        environment: the artifact's ``aws://<account>/<region>`` (``unknown-account`` when the stack is
            environment-agnostic). Default: "" (not from an assembly)
    """

    stack_name: str
    body: dict[str, Any]
    path: str = ""
    environment: str = ""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """The ``Resources`` section. Default: empty when the template has none."""
        return dict(self.body.get("Resources", {}))

    @property
    def rules(self) -> list[str]:
        """Names of the ``Rules`` (CloudFormation checks them before a change set; not evaluated locally)."""
        return sorted(self.body.get("Rules", {}))

    @property
    def conditions(self) -> dict[str, Any]:
        """The ``Conditions`` section. Default: empty."""
        return dict(self.body.get("Conditions", {}))

    @property
    def mappings(self) -> dict[str, Any]:
        """The ``Mappings`` section. Default: empty."""
        return dict(self.body.get("Mappings", {}))

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """The ``Outputs`` section. Default: empty."""
        return dict(self.body.get("Outputs", {}))

    def parameter_values(
        self, given: Mapping[str, str] | None = None, previous: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The value of each parameter: given at deploy time, else the previous deploy's, else ``Default``.

        Each value is checked against the parameter's ``AllowedValues``, ``AllowedPattern``,
        ``MinLength``/``MaxLength`` and, for ``Number``, ``MinValue``/``MaxValue``, in CloudFormation's
        words (User Guide, "Parameters"). ``cdk deploy`` keeps a parameter's previous value when it is not
        given (``--previous-parameters``, on by default); so does the driver.

        Args:
            given: ``--parameters Name=Value`` values. Default: - none.
            previous: the values of the last deploy. Default: - none.

        Raises:
            TemplateError: a given name the template does not declare, a parameter without a value, or
                a value its constraints refuse.

        Example:
            >>> Template("S", {"Parameters": {"P": {"Type": "String", "Default": "x"}}}).parameter_values()
            {'P': 'x'}
        """
        declared = self.body.get("Parameters", {})
        given = dict(given or {})
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise TemplateError(f"Parameters: [{', '.join(unknown)}] do not exist in the template")
        values: dict[str, Any] = {}
        missing: list[str] = []
        for name, spec in declared.items():
            if name in given:
                value: Any = given[name]
            elif previous and name in previous:
                value = previous[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                missing.append(name)
                continue
            kind = str(spec.get("Type", "String"))
            if kind.startswith("AWS::SSM::Parameter::Value"):
                # The value is the SSM parameter's name, not its value; keep it unresolved.
                continue
            if isinstance(value, list):
                value = ",".join(str(v) for v in value)
            value = "true" if value is True else "false" if value is False else str(value)
            check_parameter(name, spec, value)
            values[name] = value.split(",") if kind in ("CommaDelimitedList", "List<Number>") else value
        if missing:
            raise TemplateError(
                f"Parameters: [{', '.join(missing)}] must have values "
                "(give them with --parameters Name=Value)"
            )
        return values


def check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    """Refuse ``value`` for parameter ``name`` as CloudFormation would (User Guide, "Parameters").

    Raises:
        TemplateError: ``Parameter 'Env' must be one of AllowedValues`` and the like.

    Example:
        >>> check_parameter("Env", {"AllowedValues": ["dev", "prod"]}, "test")
        Traceback (most recent call last):
        sms_pool_settings_local.deploy.errors.TemplateError: Parameter 'Env' must be one of \
AllowedValues, got 'test' (allowed: dev, prod)
    """
    hint = f": {spec['ConstraintDescription']}" if spec.get("ConstraintDescription") else ""
    allowed = spec.get("AllowedValues")
    items = value.split(",") if str(spec.get("Type", "")) == "CommaDelimitedList" else [value]
    if allowed is not None and any(item not in [str(a) for a in allowed] for item in items):
        raise TemplateError(
            f"Parameter '{name}' must be one of AllowedValues, got {value!r} "
            f"(allowed: {', '.join(str(a) for a in allowed)}){hint}"
        )
    pattern = spec.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        raise TemplateError(f"Parameter '{name}' must match pattern {pattern}, got {value!r}{hint}")
    if "MinLength" in spec and len(value) < int(spec["MinLength"]):
        raise TemplateError(
            f"Parameter '{name}' must contain at least {spec['MinLength']} characters, got {value!r}{hint}"
        )
    if "MaxLength" in spec and len(value) > int(spec["MaxLength"]):
        raise TemplateError(
            f"Parameter '{name}' must contain at most {spec['MaxLength']} characters, got {value!r}{hint}"
        )
    if str(spec.get("Type", "")) == "Number":
        try:
            number = float(value)
        except ValueError:
            raise TemplateError(f"Parameter '{name}' must be a number, got {value!r}{hint}") from None
        if "MinValue" in spec and number < float(spec["MinValue"]):
            raise TemplateError(
                f"Parameter '{name}' must be a number not less than {spec['MinValue']}, got {value!r}{hint}"
            )
        if "MaxValue" in spec and number > float(spec["MaxValue"]):
            raise TemplateError(
                f"Parameter '{name}' must be a number not greater than {spec['MaxValue']}, "
                f"got {value!r}{hint}"
            )


def _manifest(app_dir: Path) -> dict[str, Any]:
    manifest_path = app_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(
            f"No cloud assembly at {app_dir}: {manifest_path} is missing; run `npx cdk synth`"
        ) from None
    return dict(manifest)


def read_assembly(app_dir: str | Path, stack: str | None = None) -> Template:
    """Read a stack's template from a cloud assembly directory.

    Args:
        app_dir: the ``cdk synth`` output directory (holds ``manifest.json``).
        stack: the stack name or artifact ID to read. Default: - the only stack in the assembly.

    Raises:
        TemplateError: no manifest, no such stack, or several stacks and none named.

    Example:
        >>> read_assembly("cdk.out", "SmsPoolSettingsExample").stack_name  # doctest: +SKIP
        'SmsPoolSettingsExample'
    """
    app_dir = Path(app_dir)
    manifest = _manifest(app_dir)
    stacks = {
        artifact_id: artifact
        for artifact_id, artifact in manifest.get("artifacts", {}).items()
        if artifact.get("type") == STACK_ARTIFACT_TYPE
    }
    names = {
        aid: art.get("properties", {}).get("stackName", art.get("displayName", aid))
        for aid, art in stacks.items()
    }
    if stack is None:
        if len(stacks) != 1:
            raise TemplateError(
                f"--stack is required when the assembly holds {len(stacks)} stacks, got none; "
                f"stacks: {', '.join(sorted(names.values())) or '(none)'}"
            )
        artifact_id = next(iter(stacks))
    else:
        matches = [aid for aid in stacks if stack in (aid, names[aid])]
        if not matches:
            raise TemplateError(
                f"--stack must name a stack in {app_dir}, got {stack!r}; "
                f"stacks: {', '.join(sorted(names.values()))}"
            )
        artifact_id = matches[0]
    template_file = app_dir / stacks[artifact_id]["properties"]["templateFile"]
    body = json.loads(template_file.read_text(encoding="utf-8"))
    environment = str(stacks[artifact_id].get("environment", ""))
    return Template(
        stack_name=names[artifact_id], body=body, path=str(template_file), environment=environment
    )


def read_assembly_stacks(app_dir: str | Path) -> list[Template]:
    """Every stack of a cloud assembly, each after the stacks it depends on (``cdk deploy --all``).

    The order follows the manifest's ``dependencies`` (CDK writes one for each cross-stack reference),
    then artifact order.

    Raises:
        TemplateError: no manifest, or a dependency cycle.
    """
    manifest = _manifest(Path(app_dir))
    artifacts = manifest.get("artifacts", {})
    stacks = [aid for aid, art in artifacts.items() if art.get("type") == STACK_ARTIFACT_TYPE]
    ordered: list[str] = []
    while len(ordered) < len(stacks):
        ready = [
            aid
            for aid in stacks
            if aid not in ordered
            and all(dep in ordered or dep not in stacks for dep in artifacts[aid].get("dependencies", []))
        ]
        if not ready:
            raise TemplateError(
                f"Circular dependency between stacks: {', '.join(sorted(set(stacks) - set(ordered)))}"
            )
        ordered.append(ready[0])
    return [read_assembly(app_dir, aid) for aid in ordered]

"""Read a synthesized stack from a cloud assembly (``cdk.out``): pure file reading, no AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_deploy.errors import TemplateError

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
    """

    stack_name: str
    body: dict[str, Any]
    path: str = ""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """The ``Resources`` section. Default: empty when the template has none."""
        return dict(self.body.get("Resources", {}))

    @property
    def rules(self) -> list[str]:
        """Names of the ``Rules`` (CloudFormation checks them before a change set; not evaluated locally)."""
        return sorted(self.body.get("Rules", {}))

    def parameter_values(self) -> dict[str, Any]:
        """The value of each parameter: its ``Default``, since the driver takes no parameter values.

        Raises:
            TemplateError: a parameter without a Default (other than CDK's ``BootstrapVersion``).

        Example:
            >>> Template("S", {"Parameters": {"P": {"Type": "String", "Default": "x"}}}).parameter_values()
            {'P': 'x'}
        """
        values: dict[str, Any] = {}
        for name, spec in self.body.get("Parameters", {}).items():
            if "Default" not in spec:
                raise TemplateError(
                    f"Parameter {name} ({spec.get('Type', '?')}) has no Default: the local driver takes no "
                    "parameter values, give it a Default in the app"
                )
            default = spec["Default"]
            if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                # The default is the SSM parameter's name, not its value; keep it unresolved.
                continue
            if spec.get("Type") == "CommaDelimitedList" and isinstance(default, str):
                default = default.split(",")
            values[name] = default if isinstance(default, list) else str(default)
        return values


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
    manifest_path = app_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(
            f"No cloud assembly at {app_dir}: {manifest_path} is missing; run `npx cdk synth`"
        ) from None
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
    return Template(stack_name=names[artifact_id], body=body, path=str(template_file))

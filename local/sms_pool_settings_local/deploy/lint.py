"""cfn-lint on every template before a deploy: its errors stop the deploy before any change.

cfn-lint (``cfnlint.api.lint``, its public API) checks a template against CloudFormation's resource
schemas and rules, what CloudFormation's own validation refuses before it starts an operation.
Findings of severity error (rule IDs ``E...``) stop the deploy; warnings and informational findings
are printed and do not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sms_pool_settings_local.deploy.errors import TemplateError


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match: rule ID (``E3002``), message, where (``Resources/Pool/Properties``), line."""

    rule_id: str
    message: str
    path: str
    line: int

    @property
    def is_error(self) -> bool:
        """cfn-lint's errors are the rules whose ID starts with ``E``."""
        return self.rule_id.startswith("E")

    def __str__(self) -> str:
        return f"{self.rule_id} {self.message} ({self.path or 'template'}, line {self.line})"


def lint(body: dict[str, Any], region: str) -> list[Finding]:
    """cfn-lint's findings for ``body`` in ``region``.

    Example:
        >>> [f.rule_id for f in lint({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}, "us-east-1")]
        []
    """
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    matches = cfn_lint(json.dumps(body), config=ManualArgs(regions=[region]))
    return [
        Finding(
            str(match.rule.id),
            str(match.message),
            "/".join(str(p) for p in (getattr(match, "path", None) or [])),
            int(getattr(match, "linenumber", 0) or 0),
        )
        for match in matches
    ]


def check(stack_name: str, body: dict[str, Any], region: str) -> list[Finding]:
    """Lint ``body``; returns the non-error findings.

    Raises:
        TemplateError: cfn-lint found errors, each listed with its rule ID and place.
    """
    findings = lint(body, region)
    errors = [f for f in findings if f.is_error]
    if errors:
        listed = "\n  ".join(str(f) for f in errors)
        raise TemplateError(
            f"Template of {stack_name} failed cfn-lint with {len(errors)} error(s), nothing was changed:\n"
            f"  {listed}"
        )
    return findings

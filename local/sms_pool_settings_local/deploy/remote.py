"""A deployed stack read back from CloudFormation, for ``drift --aws`` (read only).

The custom resources' properties are resolved from the deployed template with the physical IDs
CloudFormation reports: ``Ref`` gives the physical ID, ``Fn::GetAtt`` on a pool, an opt-out list or a
Lambda function is derived from it (a pool's ARN is read with DescribePools).
"""

from __future__ import annotations

from typing import Any

from sms_pool_settings_local.deploy.client import CloudFormationClient, SmsClient
from sms_pool_settings_local.deploy.errors import TemplateError
from sms_pool_settings_local.deploy.intrinsics import Scope, pseudo_parameters, resolve
from sms_pool_settings_local.deploy.state import ResourceState, StackState
from sms_pool_settings_local.deploy.template import Template


def deployed_state(cfn: CloudFormationClient, sms: SmsClient, stack_name: str) -> StackState:
    """The stack as CloudFormation has it: every resource's physical ID; custom resources' properties.

    Raises:
        DeployError: a CloudFormation or SMS call failed (the stack does not exist, access denied ...).
        TemplateError: a property refers to something this reader cannot derive (named in the message).
    """
    stack_id = cfn.stack_id(stack_name)
    _, partition, _, region, account = stack_id.split(":")[:5]
    template = Template(stack_name, cfn.template(stack_name))
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in cfn.resources(stack_name)}
    types = {name: spec["Type"] for name, spec in template.resources.items()}

    def ref(name: str) -> Any:
        if name not in physical:
            raise TemplateError(f"Ref {name}: the deployed stack has no such resource")
        return physical[name]

    def get_att(name: str, attribute: str) -> Any:
        pid, rtype = ref(name), types.get(name, "")
        if rtype == "AWS::SMSVOICE::Pool" and attribute == "PoolId":
            return pid
        if rtype == "AWS::SMSVOICE::Pool" and attribute == "Arn":
            return sms.describe_pool(pid)["PoolArn"]
        if rtype == "AWS::SMSVOICE::OptOutList" and attribute == "Arn":
            return f"arn:{partition}:sms-voice:{region}:{account}:opt-out-list/{pid}"
        if rtype == "AWS::Lambda::Function" and attribute == "Arn":
            return f"arn:{partition}:lambda:{region}:{account}:function:{pid}"
        raise TemplateError(f"Fn::GetAtt {name}.{attribute} ({rtype}) cannot be read back for drift")

    pseudo = pseudo_parameters(region=region, account=account, stack_name=stack_name, stack_id=stack_id)
    state = StackState(stack_name, stack_id, "DEPLOYED")
    parameters = template.parameter_values()
    for name, spec in template.resources.items():
        properties: dict[str, Any] = {}
        if spec["Type"].startswith("Custom::"):
            properties = resolve(spec.get("Properties", {}), Scope(pseudo, parameters, ref, get_att, name))
        state.resources[name] = ResourceState(spec["Type"], physical.get(name, ""), properties)
    return state

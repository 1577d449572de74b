"""The real-AWS integration test synthesizes without credentials, and asserts what it should.

Deploying ``integ_pool_settings.py`` needs an AWS account; CI only synthesizes it, exactly as the CDK
CLI would run it (a subprocess with ``CDK_OUTDIR``), and checks that the DescribePools assertion is
wired to the pool and expects the settings PoolSettings declares.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INTEG_APP = Path(__file__).resolve().parent / "integ_pool_settings.py"
TEST_STACK = "SmsPoolSettingsInteg"
TEST_CASE = "PoolSettingsIntegTest/DefaultTest"
ASSERTION_TYPE = "Custom::DeployAssert@SdkCallPinpointSMSVoiceV2describePools"


def _render(value: Any) -> Any:
    """Turn a CloudFormation string expression into text, with each import shown as ``<import:NAME>``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::ImportValue"}:
        return f"<import:{value['Fn::ImportValue']}>"
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(part) for part in parts)
    raise AssertionError(f"unexpected expression in the assertion: {value!r}")


def _resources_of_type(template: dict, resource_type: str) -> list[dict]:
    return [res for res in template["Resources"].values() if res["Type"] == resource_type]


def _logical_id(template: dict, resource_type: str) -> str:
    """The logical ID of the one resource of ``resource_type``."""
    ids = [logical_id for logical_id, res in template["Resources"].items() if res["Type"] == resource_type]
    assert len(ids) == 1, f"expected one {resource_type}, got {ids}"
    return ids[0]


def _export_of(template: dict, value: dict) -> str:
    """The export name under which the test stack publishes ``value``."""
    names = [out["Export"]["Name"] for out in template["Outputs"].values() if out["Value"] == value]
    assert len(names) == 1, f"expected one export of {value}, got {names}"
    return names[0]


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthesize the integration test app with no AWS credentials or configuration at all."""
    outdir = tmp_path_factory.mktemp("integ") / "cdk.out"
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({"CDK_OUTDIR": str(outdir), "AWS_CONFIG_FILE": os.devnull})
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    result = subprocess.run(
        [sys.executable, str(INTEG_APP)],
        cwd=outdir.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"synthesis failed:\n{result.stdout}\n{result.stderr}"
    return outdir


def _template(assembly: Path, artifact: str) -> dict:
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    template_file = manifest["artifacts"][artifact]["properties"]["templateFile"]
    return json.loads((assembly / template_file).read_text(encoding="utf-8"))


def _integ_manifest(assembly: Path) -> dict:
    return json.loads((assembly / "integ.json").read_text(encoding="utf-8"))


def _assertion_template(assembly: Path) -> dict:
    case = _integ_manifest(assembly)["testCases"][TEST_CASE]
    return _template(assembly, case["assertionStackName"])


@pytest.mark.slow
def test_integ_manifest_declares_one_test_case_deploying_the_pool_stack(assembly: Path) -> None:
    manifest = _integ_manifest(assembly)

    assert list(manifest["testCases"]) == [TEST_CASE]
    assert manifest["testCases"][TEST_CASE]["stacks"] == [TEST_STACK]


@pytest.mark.slow
def test_pool_settings_manage_the_new_pool_which_declares_none_of_them(assembly: Path) -> None:
    template = _template(assembly, TEST_STACK)
    pool_logical_id = _logical_id(template, "AWS::SMSVOICE::Pool")
    opt_out_list_id = _logical_id(template, "AWS::SMSVOICE::OptOutList")

    (settings,) = _resources_of_type(template, "Custom::SmsPoolSettings")
    pool_properties = template["Resources"][pool_logical_id]["Properties"]

    assert settings["Properties"]["PoolId"] == {"Fn::GetAtt": [pool_logical_id, "PoolId"]}
    assert settings["Properties"]["OptOutListName"] == {"Ref": opt_out_list_id}
    assert settings["Properties"]["SelfManagedOptOutsEnabled"] is True
    # Managed, and false, so that the destroy ending a real run can delete the pool.
    assert settings["Properties"]["DeletionProtectionEnabled"] is False
    managed_on_pool = {"SelfManagedOptOutsEnabled", "OptOutListName", "DeletionProtectionEnabled"}
    assert managed_on_pool.isdisjoint(pool_properties)


@pytest.mark.slow
def test_assertion_describes_the_deployed_pool_and_expects_the_declared_settings(assembly: Path) -> None:
    test_stack = _template(assembly, TEST_STACK)
    pool_logical_id = _logical_id(test_stack, "AWS::SMSVOICE::Pool")
    opt_out_list_id = _logical_id(test_stack, "AWS::SMSVOICE::OptOutList")
    pool_id_import = f"<import:{_export_of(test_stack, {'Fn::GetAtt': [pool_logical_id, 'PoolId']})}>"
    list_name_import = f"<import:{_export_of(test_stack, {'Ref': opt_out_list_id})}>"

    (call,) = _resources_of_type(_assertion_template(assembly), ASSERTION_TYPE)
    properties = call["Properties"]

    assert properties["service"] == "PinpointSMSVoiceV2"
    assert properties["api"] == "describePools"
    assert json.loads(_render(properties["parameters"]["PoolIds"])) == [pool_id_import]
    assert json.loads(_render(properties["expected"])) == {
        "$ObjectLike": {
            "Pools": [
                {
                    "PoolId": pool_id_import,
                    "OptOutListName": list_name_import,
                    "SelfManagedOptOutsEnabled": True,
                    "DeletionProtectionEnabled": False,
                }
            ]
        }
    }


@pytest.mark.slow
def test_assertion_provider_may_call_describe_pools(assembly: Path) -> None:
    template = _assertion_template(assembly)

    actions = [
        statement["Action"]
        for role in _resources_of_type(template, "AWS::IAM::Role")
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]

    assert ["sms-voice:DescribePools"] in actions


@pytest.mark.slow
def test_integ_app_synthesizes_without_warnings_or_errors(assembly: Path) -> None:
    manifest = json.loads((assembly / "manifest.json").read_text(encoding="utf-8"))
    metadata: list[tuple[str, dict]] = []
    for artifact in manifest["artifacts"].values():
        # Newer assemblies keep a stack's metadata in a file of its own.
        sources = [artifact.get("metadata", {})]
        if "additionalMetadataFile" in artifact:
            extra = assembly / artifact["additionalMetadataFile"]
            sources.append(json.loads(extra.read_text(encoding="utf-8")))
        for source in sources:
            metadata += [(path, entry) for path, entries in source.items() for entry in entries]

    problems = ("aws:cdk:warning", "aws:cdk:error")
    annotations = [f"{path}: {entry['data']}" for path, entry in metadata if entry["type"] in problems]

    assert len(metadata) > 0
    assert annotations == []

"""The real handler, end to end: emulator + loopback HTTPS receiver, real event shapes, small timeouts."""

from __future__ import annotations

import copy
import json
import logging
import uuid
from pathlib import Path

import pytest
from pool_settings_handler import client
from pool_settings_handler.handler import handler
from sms_pool_settings_local.deploy.cloudformation_api import CloudFormationApi
from sms_pool_settings_local.deploy.intrinsics import Scope, pseudo_parameters, resolve
from sms_pool_settings_local.emulator import EmulatorServer, policies_for_role
from sms_pool_settings_local.lambda_runtime import LambdaContext
from sms_pool_settings_local.moto_server import MotoServer
from sms_pool_settings_local.response_receiver import ResponseReceiver

EVENTS = Path(__file__).resolve().parent.parent / "events"

# Small budgets keep the suite fast; the handler reads them from the environment like on Lambda.
FAST_TIMEOUTS = {
    "POOL_SETTINGS_CONNECT_TIMEOUT": "1",
    "POOL_SETTINGS_READ_TIMEOUT": "2",
    "POOL_SETTINGS_RESPONSE_BUDGET": "1.5",
    "POOL_SETTINGS_RESPONSE_ATTEMPT_TIMEOUT": "1",
    "POOL_SETTINGS_POLL_INTERVAL": "0.2",
    "POOL_SETTINGS_BACKOFF_BASE": "0.05",
    "POOL_SETTINGS_BACKOFF_CAP": "0.5",
}


@pytest.fixture(scope="session")
def emulator():
    server = EmulatorServer()
    server.start()
    yield server
    server.stop()


# The stack of tests/events/*.json: every test starts with it known to CloudFormation, with its resource.
EVENT_STACK_ID = json.loads((EVENTS / "create.json").read_text(encoding="utf-8"))["StackId"]
EVENT_LOGICAL_ID = json.loads((EVENTS / "create.json").read_text(encoding="utf-8"))["LogicalResourceId"]


@pytest.fixture(scope="session")
def moto():
    """moto on loopback: SSM Parameter Store, where the handler keeps its records."""
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def cloudformation():
    """What CloudFormation answers about stacks (DescribeStacks, DescribeStackResource), set by the tests."""
    with CloudFormationApi() as api:
        yield api


# --- IAM: every SMS call of every test is authorized against the policy the construct synthesizes ---
ACCOUNT = "123456789012"
REGION = "us-east-1"
# The role and topic the functional tests' two-way settings name (tests/functional/test_retries_and_waits.py).
TWO_WAY_ROLE = f"arn:aws:iam::{ACCOUNT}:role/SmsTwoWayRole"
TWO_WAY_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:inbound-sms"
# Who the handler is on Lambda: a session of the provider's execution role.
PROVIDER_PRINCIPAL = (
    f"arn:aws:sts::{ACCOUNT}:assumed-role/SmsPoolSettingsProviderRole/SmsPoolSettingsProvider"
)


def synthesize_provider_template():
    """The template of a stack whose PoolSettings exercise every statement of the provider role: a pool
    by ID with every setting (two-way with a role, so iam:PassRole), and a pool by token (a CfnPool)."""
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_smsvoice as smsvoice
    from sms_pool_settings import PoolSettings

    app = App()
    stack = Stack(app, "FunctionalIam", env=Environment(account=ACCOUNT, region=REGION))
    PoolSettings(
        stack,
        "ById",
        pool="pool-0123456789abcdef0123456789abcdef",
        two_way_enabled=True,
        two_way_channel=TWO_WAY_TOPIC,
        two_way_channel_role=TWO_WAY_ROLE,
        self_managed_opt_outs_enabled=True,
        opt_out_list="Default",
        shared_routes_enabled=True,
        deletion_protection_enabled=True,
    )
    keyword = smsvoice.CfnPool.MandatoryKeywordProperty
    pool = smsvoice.CfnPool(
        stack,
        "Pool",
        origination_identities=[
            stack.format_arn(
                service="sms-voice",
                resource="phone-number",
                resource_name="phone-0123456789abcdef0123456789abcdef",
            )
        ],
        mandatory_keywords=smsvoice.CfnPool.MandatoryKeywordsProperty(
            help=keyword(message="Help."), stop=keyword(message="Stopped.")
        ),
    )
    PoolSettings(stack, "ByToken", pool=pool, deletion_protection_enabled=True, opt_out_list="Default")
    return app.synth().get_stack_by_name("FunctionalIam").template


def resolve_provider_policies(template, pool_arn_pattern):
    """The provider role's policies with their intrinsics resolved to literal ARNs.

    ``Fn::GetAtt [<CfnPool>, Arn]`` is a pool created at deploy time, whose ID synthesis cannot know:
    the functional tests create their pools at test time, so it resolves to ``pool_arn_pattern`` (by
    default every pool of the test account and region). The pool given by ID keeps its literal ARN.
    """
    resources = template["Resources"]
    (role,) = [k for k, v in resources.items() if v["Type"] == "AWS::IAM::Role" and "Provider" in k]

    def get_att(logical, attribute):
        kind = resources[logical]["Type"]
        if (kind, attribute) == ("AWS::SMSVOICE::Pool", "Arn"):
            return pool_arn_pattern
        if (kind, attribute) == ("AWS::Logs::LogGroup", "Arn"):
            return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{logical}:*"
        raise AssertionError(
            f"the provider role's policy names {logical}.{attribute} ({kind}): resolve it here"
        )

    def ref(logical):
        raise AssertionError(f"the provider role's policy refers to {logical}: resolve it here")

    scope = Scope(
        pseudo=pseudo_parameters(
            region=REGION, account=ACCOUNT, stack_name="FunctionalIam", stack_id="stack"
        ),
        parameters={},
        ref=ref,
        get_att=get_att,
        where=role,
    )
    return [resolve(policy, scope) for policy in policies_for_role(template, role)]


@pytest.fixture(scope="session")
def provider_template():
    return synthesize_provider_template()


@pytest.fixture(scope="session")
def provider_policies_for(provider_template):
    """``provider_policies_for(pool_arn)``: the provider role's policies with the CfnPool's ARN resolved
    to ``pool_arn`` (an ARN or an ARN pattern), as the construct grants them for a stack whose pool it is."""
    return lambda pool_arn: resolve_provider_policies(provider_template, pool_arn)


@pytest.fixture(scope="session")
def provider_policies(provider_policies_for):
    """What the provider role may do, as the construct grants it; on in the emulator for every test."""
    return provider_policies_for(f"arn:aws:sms-voice:{REGION}:{ACCOUNT}:pool/*")


@pytest.fixture(scope="session")
def provider_principal():
    """The caller the emulator names in AccessDenied messages: the provider's Lambda session."""
    return PROVIDER_PRINCIPAL


@pytest.fixture(scope="session")
def receiver():
    with ResponseReceiver() as started:
        yield started


class Urls(list):
    """Every ResponseURL handed out during one test (to grep the logs for)."""


@pytest.fixture
def issued_urls():
    return Urls()


@pytest.fixture(autouse=True)
def lambda_env(
    monkeypatch, emulator, moto, cloudformation, receiver, caplog, capsys, issued_urls, provider_policies
):
    """Per test: clean emulator with IAM enforcement on (the provider role's synthesized policy, as the
    provider's session), clean receiver, no records in moto's SSM, CloudFormation knowing only the events'
    stack (``UPDATE_IN_PROGRESS``, with the events' logical ID), the Lambda's environment, and no
    ResponseURL in any log. A test of another principal or policy calls
    ``emulator.control.enforce_iam(...)`` or ``clear_iam()``."""
    emulator.reset()
    moto.reset()
    cloudformation.clear()
    cloudformation.set_stack(EVENT_STACK_ID, "UPDATE_IN_PROGRESS", [EVENT_LOGICAL_ID])
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", cloudformation.endpoint_url)
    emulator.control.enforce_iam(provider_policies, principal_arn=PROVIDER_PRINCIPAL)
    receiver.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", emulator.endpoint_url)
    monkeypatch.setenv("AWS_CA_BUNDLE", receiver.ca_bundle_path)
    for name, value in FAST_TIMEOUTS.items():
        monkeypatch.setenv(name, value)
    client.reset_client()
    # Capture everything, DEBUG included, and open our own logger to DEBUG: no line of ours may carry the
    # URL at any level. crhelper's logger stays at the INFO the handler sets (at DEBUG crhelper itself
    # logs the raw event, URL included: that is why the handler holds it at INFO).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="pool_settings_handler")
    yield
    client.reset_client()
    captured = capsys.readouterr()
    # In teardown caplog.records holds only teardown's records: read the call phase's explicitly.
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)
    for url in issued_urls:
        secret = url.split("X-Amz-Signature=")[1]
        path = url.split("?")[0].split("/cloudformation-response/")[1]
        for text in (logged, captured.out, captured.err):
            assert secret not in text and path not in text, "a ResponseURL reached the logs"


@pytest.fixture
def make_event(receiver, issued_urls):
    """Build an event from tests/events/<name>.json with a fresh ResponseURL and the given pool."""

    def make(name, pool_id, physical_id=None, properties=None, old_properties=None):
        event = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
        url = receiver.new_response_url()
        issued_urls.append(url)
        event["ResponseURL"] = url
        event["RequestId"] = str(uuid.uuid4())
        for key in ("ResourceProperties", "OldResourceProperties"):
            if key in event:
                event[key]["PoolId"] = pool_id
        if properties is not None:
            event["ResourceProperties"] = _with_service(properties, event)
        if old_properties is not None:
            event["OldResourceProperties"] = _with_service(old_properties, event)
        if "PhysicalResourceId" in event:
            event["PhysicalResourceId"] = physical_id or "unset"
        return event

    return make


def _with_service(properties, event):
    return {"ServiceToken": event["ServiceToken"], "ServiceTimeout": "300", **copy.deepcopy(properties)}


@pytest.fixture
def invoke(receiver):
    """Run the real handler and return the one response body CloudFormation received."""

    def run(event, timeout=30.0, wait=10.0):
        handler(event, LambdaContext(timeout))
        body = receiver.wait_for(event["ResponseURL"], timeout=wait)
        assert len(receiver.responses(event["ResponseURL"])) == 1
        return body

    return run

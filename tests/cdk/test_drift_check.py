"""``PoolSettings(drift_check=...)``: the stack's one drift-check Lambda, its rule, its IAM, and an alarm
per pool; nothing of it without the argument; the existing resources keep their logical IDs."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks
from pool_settings_handler.constants import RESOURCE_TYPE
from sms_pool_settings import PoolSelector, PoolSettings
from sms_pool_settings._drift_check import DRIFT_CHECK_ID, MAX_INPUT_CHARACTERS, DriftCheck

POOL = "pool-0123456789abcdef0123456789abcdef"
OTHER_POOL = "pool-1123456789abcdef0123456789abcdef"
HOURLY = events.Schedule.rate(Duration.hours(1))
PARTITION = {"Ref": "AWS::Partition"}


def _join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def _drift_statements(template: Template) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for k, p in template.find_resources("AWS::IAM::Policy").items()
        if k.startswith(f"{DRIFT_CHECK_ID}RoleDefaultPolicy")
    ]
    return list(policy["Properties"]["PolicyDocument"]["Statement"])


def _logical_id(template: Template, prefix: str, resource_type: str) -> str:
    (logical_id,) = [k for k in template.find_resources(resource_type) if k.startswith(prefix)]
    return logical_id


def _violations(stack: Stack) -> list[tuple[str, list[str]]]:
    report = AwsSolutionsChecks(stack.node.root).validate_scope(stack.node.root)
    return [(v.rule_name, [r.construct_path for r in v.violating_resources]) for v in report.violations]


@pytest.fixture(scope="module")
def checked(h: SimpleNamespace) -> SimpleNamespace:
    """Two pools checked hourly, one of them corrected and notifying a topic; synthesized once."""
    stack = h.new_stack()
    topic = sns.Topic(stack, "Alerts")
    first = PoolSettings(
        stack,
        "First",
        pool=POOL,
        deletion_protection_enabled=True,
        drift_check=HOURLY,
        drift_alarm_topic=topic,
        drift_auto_correct=True,
    )
    second = PoolSettings(stack, "Second", pool=OTHER_POOL, shared_routes_enabled=False, drift_check=HOURLY)
    template = Template.from_stack(stack)
    return SimpleNamespace(stack=stack, template=template, first=first, second=second, topic=topic)


# --- The rule and the function ------------------------------------------------------------------------


def test_one_rule_on_the_schedule_invokes_the_drift_function_with_the_watched_logical_ids(
    checked: SimpleNamespace,
) -> None:
    # GIVEN
    template = checked.template
    first_id = _logical_id(template, "First", RESOURCE_TYPE)
    second_id = _logical_id(template, "Second", RESOURCE_TYPE)
    function_id = _logical_id(template, f"{DRIFT_CHECK_ID}Function", "AWS::Lambda::Function")
    # THEN
    template.resource_count_is("AWS::Events::Rule", 1)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 hour)",
            "State": "ENABLED",
            "Targets": [
                {
                    "Arn": {"Fn::GetAtt": [function_id, "Arn"]},
                    "Id": "Target0",
                    "Input": json.dumps({"Check": [second_id], "Correct": [first_id]}, separators=(",", ":")),
                }
            ],
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission",
        {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"},
    )


def test_the_drift_function_is_a_second_entry_point_of_the_providers_asset(checked: SimpleNamespace) -> None:
    # GIVEN
    functions = checked.template.find_resources("AWS::Lambda::Function")
    provider = next(f for k, f in functions.items() if k.startswith("SmsPoolSettingsProviderFunction"))
    drift = next(f for k, f in functions.items() if k.startswith(f"{DRIFT_CHECK_ID}Function"))
    # THEN: two functions, the same code, another handler, the stack's ID to list its resources
    assert len(functions) == 2
    assert drift["Properties"]["Code"] == provider["Properties"]["Code"]
    assert drift["Properties"]["Handler"] == "pool_settings_handler.drift_check.handler"
    assert drift["Properties"]["Environment"] == {
        "Variables": {"SMS_POOL_SETTINGS_STACK_ID": {"Ref": "AWS::StackId"}}
    }
    assert (drift["Properties"]["Runtime"], drift["Properties"]["Timeout"]) == ("python3.14", 300)
    checked.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {"FunctionName": {"Ref": next(k for k in functions if k.startswith(DRIFT_CHECK_ID))},
         "MaximumRetryAttempts": 0},
    )  # fmt: skip


# --- The alarms -------------------------------------------------------------------------------------------


def test_each_pool_gets_an_alarm_on_its_settings_drifted_metric(checked: SimpleNamespace) -> None:
    # GIVEN
    template = checked.template
    first_id = _logical_id(template, "First", RESOURCE_TYPE)
    topic_id = _logical_id(template, "Alerts", "AWS::SNS::Topic")
    # THEN
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "SmsPoolSettings",
            "MetricName": "SettingsDrifted",
            "Dimensions": [{"Name": "PoolId", "Value": {"Fn::GetAtt": [first_id, "PoolId"]}}],
            "Statistic": "Maximum",
            "Period": 3600,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 1,
            "TreatMissingData": "missing",
            "AlarmActions": [{"Ref": topic_id}],
        },
    )
    assert checked.first.drift_alarm is not None
    assert checked.first.drift_alarm.node.path == "TestStack/First/DriftAlarm"


def test_an_alarm_without_a_topic_has_no_action(checked: SimpleNamespace) -> None:
    # GIVEN
    template = checked.template
    second_id = _logical_id(template, "Second", RESOURCE_TYPE)
    # THEN
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Dimensions": [{"Name": "PoolId", "Value": {"Fn::GetAtt": [second_id, "PoolId"]}}],
            "AlarmActions": Match.absent(),
        },
    )


def test_two_pool_settings_of_one_pool_share_one_alarm_with_both_topics(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    topics = [sns.Topic(stack, "One"), sns.Topic(stack, "Two")]
    # WHEN: the same pool by ID and by ARN, different settings (one owner each)
    by_id = PoolSettings(
        stack,
        "ById",
        pool=POOL,
        deletion_protection_enabled=True,
        drift_check=HOURLY,
        drift_alarm_topic=topics[0],
    )
    by_arn = PoolSettings(
        stack,
        "ByArn",
        pool=f"arn:aws:sms-voice:{h.REGION}:{h.ACCOUNT}:pool/{POOL}",
        shared_routes_enabled=False,
        drift_check=HOURLY,
        drift_alarm_topic=topics[1],
    )
    template = Template.from_stack(stack)
    # THEN
    template.resource_count_is("AWS::CloudWatch::Alarm", 1)
    (alarm,) = template.find_resources("AWS::CloudWatch::Alarm").values()
    assert len(alarm["Properties"]["AlarmActions"]) == 2
    assert by_id.drift_alarm is by_arn.drift_alarm


# --- Nothing without the argument; what exists keeps its logical IDs --------------------------------


def test_without_drift_check_there_is_no_drift_check_resource(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    settings = PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True)
    # WHEN
    template = Template.from_stack(stack)
    # THEN
    for resource_type in ("AWS::Events::Rule", "AWS::CloudWatch::Alarm", "AWS::Lambda::Permission"):
        template.resource_count_is(resource_type, 0)
    template.resource_count_is("AWS::Lambda::Function", 1)
    assert stack.node.try_find_child(DRIFT_CHECK_ID) is None
    assert settings.drift_alarm is None


def test_adding_drift_check_keeps_every_existing_logical_id_type_and_service_token(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    def declare(**drift: Any) -> dict[str, Any]:
        stack = h.new_stack()
        PoolSettings(stack, "Settings", pool=POOL, deletion_protection_enabled=True, **drift)
        return Template.from_stack(stack).to_json()["Resources"]

    before = declare()
    # WHEN
    after = declare(drift_check=HOURLY, drift_auto_correct=True)
    # THEN
    kept = {
        k: (after[k]["Type"], after[k].get("Properties", {}).get("ServiceToken"))
        for k in before
        if k in after
    }
    assert kept == {k: (v["Type"], v.get("Properties", {}).get("ServiceToken")) for k, v in before.items()}
    assert len(after) > len(before)


# --- IAM ------------------------------------------------------------------------------------------------

_LOGS = {
    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
    "Effect": "Allow",
    "Resource": {"Fn::GetAtt": [Match.string_like_regexp(f"^{DRIFT_CHECK_ID}LogGroup"), "Arn"]},
}
_STACK = {
    "Action": ["cloudformation:DescribeStacks", "cloudformation:ListStackResources"],
    "Effect": "Allow",
    "Resource": {"Ref": "AWS::StackId"},
}
_RECORDS = {
    "Action": "ssm:GetParameters",
    "Effect": "Allow",
    "Resource": _join(
        "arn:",
        PARTITION,
        ":ssm:us-east-1:123456789012:parameter/sms-pool-settings/*/",
        {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
        "/*",
    ),
}
_METRICS = {
    "Action": "cloudwatch:PutMetricData",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "SmsPoolSettings"}},
    "Effect": "Allow",
    "Resource": "*",
}
_POOLS = _join("arn:", PARTITION, ":sms-voice:us-east-1:123456789012:pool/*")


def test_the_drift_role_may_read_its_stack_its_records_and_pools_and_publish_its_namespace_only(
    h: SimpleNamespace,
) -> None:
    # GIVEN: no auto-correct, a two-way role managed (it is not passed: nothing is written)
    stack = h.new_stack()
    role = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    PoolSettings(stack, "Settings", pool=POOL, two_way_channel_role=role, drift_check=HOURLY)
    # WHEN
    template = Template.from_stack(stack)
    # THEN: exactly these statements
    assert (
        Match.exact(
            [
                _LOGS,
                _STACK,
                _RECORDS,
                _METRICS,
                {"Action": "sms-voice:DescribePools", "Effect": "Allow", "Resource": _POOLS},
            ]
        )
        .test(_drift_statements(template))
        .is_success
    )


def test_auto_correct_adds_update_pool_and_a_pass_role_only_with_a_managed_two_way_role(
    h: SimpleNamespace,
) -> None:
    # GIVEN
    stack = h.new_stack()
    PoolSettings(stack, "Plain", pool=POOL, deletion_protection_enabled=True, drift_check=HOURLY,
                 drift_auto_correct=True)  # fmt: skip
    without_role = _drift_statements(Template.from_stack(stack))
    stack = h.new_stack()
    PoolSettings(
        stack,
        "WithRole",
        pool=POOL,
        two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound",
        drift_check=HOURLY,
        drift_auto_correct=True,
    )
    # WHEN
    with_role = _drift_statements(Template.from_stack(stack))
    # THEN
    update = {"Action": "sms-voice:UpdatePool", "Effect": "Allow", "Resource": _POOLS}
    describe = {"Action": "sms-voice:DescribePools", "Effect": "Allow", "Resource": _POOLS}
    assert without_role[4:] == [describe, update]
    assert with_role[4:] == [
        describe,
        update,
        {
            "Action": "iam:PassRole",
            "Condition": {"StringEquals": {"iam:PassedToService": "sms-voice.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": _join("arn:", PARTITION, ":iam::123456789012:role/*"),
        },
    ]


def test_a_shared_pool_adds_its_accounts_pools_to_describe_and_only_corrected_pools_to_update(
    h: SimpleNamespace,
) -> None:
    # GIVEN: a pool shared from another account, only checked; a pool of the stack's account, corrected
    stack = h.new_stack()
    shared = f"arn:aws:sms-voice:{h.REGION}:210987654321:pool/{OTHER_POOL}"
    PoolSettings(stack, "Shared", pool=shared, shared_routes_enabled=False, drift_check=HOURLY)
    PoolSettings(
        stack, "Own", pool=POOL, shared_routes_enabled=False, drift_check=HOURLY, drift_auto_correct=True
    )
    # WHEN
    statements = _drift_statements(Template.from_stack(stack))
    # THEN
    assert statements[4:] == [
        {
            "Action": "sms-voice:DescribePools",
            "Effect": "Allow",
            "Resource": [f"arn:aws:sms-voice:{h.REGION}:210987654321:pool/*", _POOLS],
        },
        {"Action": "sms-voice:UpdatePool", "Effect": "Allow", "Resource": _POOLS},
    ]


def _every_drift_option(h: SimpleNamespace) -> Stack:
    """A stack (cdk init's flags): a PoolSettings with a two-way role, drift check, topic, auto-correct."""
    stack = h.new_stack(context=h.CDK_INIT_CONTEXT)
    role = iam.Role(stack, "Inbound", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
    topic = sns.Topic(stack, "Alerts", enforce_ssl=True)  # cdk-nag's AwsSolutions-SNS3
    PoolSettings(
        stack,
        "Settings",
        pool=POOL,
        two_way_channel_role=role,
        drift_check=HOURLY,
        drift_alarm_topic=topic,
        drift_auto_correct=True,
    )
    return stack


def test_cdk_nag_finds_nothing_in_a_stack_with_every_drift_option(h: SimpleNamespace) -> None:
    # GIVEN
    stack = _every_drift_option(h)
    Template.from_stack(stack)
    # THEN
    assert _violations(stack) == []


@pytest.mark.parametrize(
    "context", ["partition literals (cdk init)", "no feature flags", "environment-agnostic"]
)
def test_cdk_nag_sees_the_drift_policys_wildcards_without_its_acknowledgements(
    h: SimpleNamespace, context: str
) -> None:
    # GIVEN: the drift role's statements copied into a policy of the test's, which nobody acknowledged
    agnostic = context == "environment-agnostic"
    stack = h.new_stack(
        account=None if agnostic else h.ACCOUNT,
        region=None if agnostic else h.REGION,
        context=h.CDK_INIT_CONTEXT if context.startswith("partition") else None,
    )
    PoolSettings(
        stack,
        "Settings",
        pool=POOL,
        two_way_channel_role=f"arn:aws:iam::{h.ACCOUNT}:role/inbound",
        drift_check=HOURLY,
        drift_auto_correct=True,
    )
    Template.from_stack(stack)
    check = stack.node.find_child(DRIFT_CHECK_ID)
    assert isinstance(check, DriftCheck)
    own = check.role.node.find_child("DefaultPolicy")
    assert isinstance(own, iam.Policy)
    copy = iam.Policy(stack, "Copy", document=own.document, roles=[check.role])
    # WHEN
    violations = _violations(stack)
    # THEN: the wildcards the drift check acknowledges, on the copy only (so they are real, and exact)
    partition = "aws" if context.startswith("partition") else "<AWS::Partition>"
    region, account = ("<AWS::Region>", "<AWS::AccountId>") if agnostic else (h.REGION, h.ACCOUNT)
    uuid = '{"Fn::Select":[2,{"Fn::Split":["/",{"Ref":"AWS::StackId"}]}]}'
    assert sorted(violations) == sorted(
        (f"AwsSolutions-IAM5[Resource::{resource}]", [f"{copy.node.path}/Resource"])
        for resource in (
            "*",
            f"arn:{partition}:ssm:{region}:{account}:parameter/sms-pool-settings/*/{uuid}/*",
            f"arn:{partition}:sms-voice:{region}:{account}:pool/*",
            f"arn:{partition}:iam::{account}:role/*",
        )
    )


# --- One drift check per stack; what it refuses ------------------------------------------------------


def test_every_pool_settings_of_a_stack_shares_one_function_and_one_rule(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN
    for number in range(3):
        PoolSettings(
            stack, f"S{number}", pool=h.pool_id(number), shared_routes_enabled=False, drift_check=HOURLY
        )
    template = Template.from_stack(stack)
    # THEN
    template.resource_count_is("AWS::Lambda::Function", 2)  # the provider's and the drift check's
    template.resource_count_is("AWS::Events::Rule", 1)
    template.resource_count_is("AWS::CloudWatch::Alarm", 3)


def test_the_watched_logical_ids_are_split_over_targets_of_at_most_8192_characters(
    h: SimpleNamespace,
) -> None:
    # GIVEN: 40 PoolSettings with 200-character construct IDs (about 31 fit in one input)
    stack = h.new_stack()
    for number in range(40):
        PoolSettings(
            stack,
            f"{number:03d}" + "x" * 197,
            pool=h.pool_id(number),
            shared_routes_enabled=False,
            drift_check=HOURLY,
        )
    # WHEN
    (rule,) = Template.from_stack(stack).find_resources("AWS::Events::Rule").values()
    # THEN: two targets, each input within EventBridge's limit, together every resource once
    inputs = [target["Input"] for target in rule["Properties"]["Targets"]]
    assert len(inputs) == 2
    assert all(len(text) <= MAX_INPUT_CHARACTERS for text in inputs)
    ids = [logical_id for text in inputs for logical_id in json.loads(text)["Check"]]
    assert sorted(ids) == sorted(k for k in Template.from_stack(stack).find_resources(RESOURCE_TYPE))


def test_two_schedules_in_one_stack_fail_naming_both_pool_settings(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    PoolSettings(stack, "Hourly", pool=POOL, shared_routes_enabled=False, drift_check=HOURLY)
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettings(
            stack,
            "Daily",
            pool=OTHER_POOL,
            shared_routes_enabled=False,
            drift_check=events.Schedule.rate(Duration.days(1)),
        )
    assert str(raised.value) == (
        "drift_check of PoolSettings TestStack/Daily is rate(1 day), but PoolSettings TestStack/Hourly set "
        "the drift check of stack TestStack to rate(1 hour): every PoolSettings of a stack shares one drift "
        "check; give them the same schedule"
    )
    assert stack.node.try_find_child("Daily") is not None  # the construct, but no resource of it
    assert stack.node.find_child("Daily").node.try_find_child("Resource") is None


@pytest.mark.parametrize(
    "schedule",
    [
        events.Schedule.cron(minute="0"),
        events.Schedule.rate(Duration.minutes(4)),
        events.Schedule.rate(Duration.hours(85)),
        events.Schedule.expression("rate(1 week)"),
    ],
    ids=["cron", "4 minutes", "85 hours", "not a rate unit"],
)
def test_a_schedule_other_than_a_rate_of_5_minutes_to_84_hours_is_rejected(
    h: SimpleNamespace, schedule: events.Schedule
) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettings(stack, "Settings", pool=POOL, shared_routes_enabled=False, drift_check=schedule)
    assert str(raised.value) == (
        "drift_check must be an aws_events.Schedule.rate(...) of 5 minutes to 84 hours (the alarm's period "
        "is the rate, and CloudWatch evaluates at most 2 x the period within 7 days), got "
        f"{schedule.expression_string!r}"
    )
    assert stack.node.try_find_child(DRIFT_CHECK_ID) is None


@pytest.mark.parametrize("option", ["drift_alarm_topic", "drift_auto_correct"])
def test_a_drift_option_without_drift_check_is_rejected(h: SimpleNamespace, option: str) -> None:
    # GIVEN
    stack = h.new_stack()
    value: Any = sns.Topic(stack, "Alerts") if option == "drift_alarm_topic" else True
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettings(stack, "Settings", pool=POOL, shared_routes_enabled=False, **{option: value})
    assert str(raised.value) == (
        f"{option} needs drift_check: it belongs to the drift check, which is off without a schedule; give "
        "drift_check=aws_events.Schedule.rate(...) too"
    )


def test_drift_options_of_the_wrong_kind_are_rejected(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN
    with pytest.raises(TypeError, match=r"^drift_auto_correct must be True or False, got 'yes'$"):
        PoolSettings(
            stack, "A", pool=POOL, shared_routes_enabled=True, drift_check=HOURLY, drift_auto_correct="yes"
        )  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^drift_alarm_topic must be an sns\.ITopic, got 'arn:aws:sns:"):
        PoolSettings(
            stack,
            "B",
            pool=POOL,
            shared_routes_enabled=True,
            drift_check=HOURLY,
            drift_alarm_topic=f"arn:aws:sns:{h.REGION}:{h.ACCOUNT}:t",  # type: ignore[arg-type]
        )
    with pytest.raises(TypeError, match=r"^drift_check must be an aws_events\.Schedule, got 'rate"):
        PoolSettings(stack, "C", pool=POOL, shared_routes_enabled=True, drift_check="rate(1 hour)")  # type: ignore[arg-type]


def test_the_construct_id_of_the_drift_check_is_reserved(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    sns.Topic(stack, DRIFT_CHECK_ID)
    # WHEN / THEN
    with pytest.raises(
        TypeError, match=f"^construct ID {DRIFT_CHECK_ID} is reserved for the PoolSettings drift"
    ):
        PoolSettings(stack, "Settings", pool=POOL, shared_routes_enabled=False, drift_check=HOURLY)


def test_a_drift_check_on_a_pool_settings_that_manages_nothing_is_rejected(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    # WHEN / THEN
    with pytest.raises(ValueError) as raised:
        PoolSettings(stack, "Settings", pool=POOL, drift_check=HOURLY)
    assert str(raised.value) == (
        "drift_check must be given with at least one managed setting (a PoolSettings that manages none keeps "
        "no record to compare with), got 'rate(1 hour)'"
    )


def test_a_pool_found_by_tag_is_checked_among_the_stacks_pools(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    settings = PoolSettings(
        stack,
        "ByTag",
        pool=PoolSelector.tag("team", "alerts"),
        deletion_protection_enabled=True,
        drift_check=HOURLY,
    )
    # WHEN
    template = Template.from_stack(stack)
    # THEN: its alarm's dimension is the pool the resource found, its pool among the stack's pattern
    resource_id = _logical_id(template, "ByTag", RESOURCE_TYPE)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Dimensions": [{"Name": "PoolId", "Value": {"Fn::GetAtt": [resource_id, "PoolId"]}}]},
    )
    assert _drift_statements(template)[4:] == [
        {"Action": "sms-voice:DescribePools", "Effect": "Allow", "Resource": _POOLS}
    ]
    assert settings.drift_alarm is not None


def test_pool_settings_of_one_pool_with_the_same_topic_notify_it_once(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    topic = sns.Topic(stack, "Alerts")
    drift: dict[str, Any] = {"drift_check": HOURLY, "drift_alarm_topic": topic}
    # WHEN
    PoolSettings(stack, "First", pool=POOL, deletion_protection_enabled=True, **drift)
    PoolSettings(stack, "Second", pool=POOL, shared_routes_enabled=False, **drift)
    # THEN
    (alarm,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    assert alarm["Properties"]["AlarmActions"] == [
        {"Ref": _logical_id(Template.from_stack(stack), "Alerts", "AWS::SNS::Topic")}
    ]


def test_the_same_rate_written_in_other_units_is_the_same_schedule(h: SimpleNamespace) -> None:
    # GIVEN
    stack = h.new_stack()
    PoolSettings(stack, "Hourly", pool=POOL, shared_routes_enabled=False, drift_check=HOURLY)
    # WHEN: 60 minutes, given as an expression (CDK would write rate(1 hour) for Duration.minutes(60))
    PoolSettings(
        stack,
        "Sixty",
        pool=OTHER_POOL,
        shared_routes_enabled=False,
        drift_check=events.Schedule.expression("rate(60 minutes)"),
    )
    # THEN: one rule, the first schedule's
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::Rule", 1)
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"})


def test_a_stack_with_every_drift_option_passes_cfn_lint(h: SimpleNamespace, tmp_path: Path) -> None:
    # GIVEN
    stack = _every_drift_option(h)
    # WHEN
    lint = h.cfn_lint(Template.from_stack(stack).to_json(), tmp_path)
    # THEN
    assert lint == (0, "", "")

"""The local Lambda stand-in other tools use: the context counts down, the environment is restored."""

import os
import time

from sms_pool_settings_local.lambda_runtime import LambdaContext, invoke, lambda_environment


def test_remaining_time_counts_down_from_creation_and_never_goes_negative():
    context = LambdaContext(0.2, aws_request_id="r-1")
    first = context.get_remaining_time_in_millis()
    assert 100 < first <= 200
    time.sleep(0.25)
    assert context.get_remaining_time_in_millis() == 0
    assert context.aws_request_id == "r-1"
    assert context.invoked_function_arn.endswith(":123456789012:function:pool-settings-handler")


def test_lambda_environment_sets_endpoint_and_ca_then_restores(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", raising=False)
    monkeypatch.setenv("AWS_CA_BUNDLE", "/old.pem")
    with lambda_environment("http://127.0.0.1:1", "/new.pem", {"POOL_SETTINGS_READ_TIMEOUT": "1"}):
        assert os.environ["AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"] == "http://127.0.0.1:1"
        assert os.environ["AWS_CA_BUNDLE"] == "/new.pem"
        assert os.environ["POOL_SETTINGS_READ_TIMEOUT"] == "1"
    assert "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2" not in os.environ
    assert os.environ["AWS_CA_BUNDLE"] == "/old.pem"


def test_invoke_passes_the_event_and_a_context():
    seen = []
    invoke(lambda event, context: seen.append((event, context.get_remaining_time_in_millis())), {"a": 1}, 5)
    assert seen[0][0] == {"a": 1} and 4000 < seen[0][1] <= 5000


def test_a_region_given_in_extra_applies_to_boto3_too():
    with lambda_environment(extra={"AWS_REGION": "eu-west-1"}):
        assert os.environ["AWS_DEFAULT_REGION"] == os.environ["AWS_REGION"] == "eu-west-1"

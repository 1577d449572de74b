"""A user's view of ``sms-pool-settings``: the wheel installed into a fresh venv outside the repository,
every subcommand run from a user's app directory outside the repository, against the emulator and moto.

The app is not the example: ``CfnParameter``s without defaults deployed with chosen values, a parameter
deployed ``false`` whose default is ``true``, an IAM role and an SNS topic of the same stack used by a
``PoolSettings``, an opt-out list of another stack (a cross-stack reference: ``Export`` and
``Fn::ImportValue``), and a stack in a second region. It is synthesized once, by its own CDK CLI (the
repository's ``node_modules``, linked into the app as a user's ``npm install aws-cdk`` would put it).

The scenario runs once (``scenario``), in the order a user would type it; each test asserts one part.
The product's own ``sms-pool-settings drift``/``status`` (the README's CI recipe) run against stand-ins
this test process serves from the state ``local`` left (``LocalAccount.stand_ins_started``), through the
standard ``AWS_ENDPOINT_URL_<SERVICE>`` variables only.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from pool_settings_handler.records import pool_path
from sms_pool_settings_cli import exit_codes
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.offline_env import DUMMY_CREDENTIALS

from .conftest import REPO_ROOT, user_environment

pytestmark = pytest.mark.slow

US_POOL = "pool-11111111111111111111111111111111"
EU_POOL = "pool-22222222222222222222222222222222"
EU = "eu-west-1"
STATE = ".sms-pool-settings-local"  # the documented default, in the directory the commands run in
# The README's CI step, as written ("fails the job on drift or on any error"): non-zero on drift found
# (3), on an error (1) and on a usage error (2), each its own code; zero only in sync.
CI_RECIPE = "sms-pool-settings drift --stack {stack}"

USER_APP = f'''
import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_smsvoice as smsvoice
from aws_cdk import aws_sns as sns
from sms_pool_settings import PoolSettings

US = cdk.Environment(account="123456789012", region="us-east-1")
app = cdk.App()

lists = cdk.Stack(app, "UserLists", env=US)
opt_outs = smsvoice.CfnOptOutList(lists, "OptOuts")

messaging = cdk.Stack(app, "UserMessaging", env=US)
protection = cdk.CfnParameter(messaging, "Protection", type="String", allowed_values=["true", "false"])
shared = cdk.CfnParameter(
    messaging, "SharedRoutes", type="String", default="true", allowed_values=["true", "false"]
)
topic = sns.Topic(messaging, "Inbound")
role = iam.Role(messaging, "InboundRole", assumed_by=iam.ServicePrincipal("sms-voice.amazonaws.com"))
topic.grant_publish(role)
PoolSettings(
    messaging,
    "UsPool",
    pool="{US_POOL}",
    two_way_enabled=True,
    two_way_channel=topic,
    two_way_channel_role=role,
    opt_out_list=opt_outs,
    deletion_protection_enabled=protection.value_as_string,
    shared_routes_enabled=shared.value_as_string,
)

europe = cdk.Stack(app, "UserEurope", env=cdk.Environment(account="123456789012", region="{EU}"))
eu_shared = cdk.CfnParameter(europe, "EuSharedRoutes", type="String", allowed_values=["true", "false"])
PoolSettings(europe, "EuPool", pool="{EU_POOL}", shared_routes_enabled=eu_shared.value_as_string)
app.synth()
'''


@dataclass(frozen=True)
class Ran:
    """One command as run: its exit code and outputs."""

    command: str
    code: int
    out: str
    err: str

    def json(self) -> dict:
        return json.loads(self.out)


class User:
    """Runs commands in the user's app directory with the fresh venv first on PATH, as its shell would."""

    def __init__(self, venv_dir: Path, app_dir: Path) -> None:
        self.app_dir = app_dir
        self.env = user_environment()
        self.env["PATH"] = f"{venv_dir / 'bin'}:{self.env['PATH']}"
        self.env["TMPDIR"] = str(app_dir.parent / "tmp")  # the construct stages its asset there
        Path(self.env["TMPDIR"]).mkdir(exist_ok=True)
        self.ran: dict[str, Ran] = {}

    def __call__(self, name: str, command: str, extra_env: dict[str, str] | None = None) -> Ran:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.app_dir,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        ran = Ran(command, done.returncode, done.stdout, done.stderr)
        self.ran[name] = ran
        return ran


@contextlib.contextmanager
def stand_ins(state_dir: Path, region: str) -> Iterator[tuple[dict[str, str], str]]:
    """The emulator, moto's SSM and the CloudFormation stand-in on the state ``local`` left, served by
    this process: (the variables a user exports for the product's commands, the SSM endpoint)."""
    with LocalAccount(state_dir, region=region) as account:
        served = account.stand_ins_started()
        variables = {
            **DUMMY_CREDENTIALS,
            "AWS_REGION": region,
            "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": account.endpoint_url,
            **served.environment,
        }
        yield variables, str(served.ssm_endpoint_url)


@pytest.fixture(scope="module")
def scenario(installed_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> User:
    root = tmp_path_factory.mktemp("user-cli")
    assert not root.is_relative_to(REPO_ROOT)
    app_dir = root / "my-app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(USER_APP, encoding="utf-8")
    (app_dir / "cdk.json").write_text(json.dumps({"app": "python3 app.py"}), encoding="utf-8")
    (app_dir / "node_modules").symlink_to(REPO_ROOT / "node_modules")
    user = User(installed_venv, app_dir)
    state = app_dir / STATE

    user("which", "command -v sms-pool-settings")
    for name in (
        "",
        "drift",
        "status",
        "local",
        "local deploy",
        "local destroy",
        "local drift",
        "local status",
    ):
        user(f"help {name}".strip(), f"sms-pool-settings {name} --help")
    # Usage errors: their own code, one line
    user("usage: drift without --stack", "sms-pool-settings drift")
    user("usage: local unknown option", "sms-pool-settings local deploy --app . --bogus")
    user("usage: local --profile", "sms-pool-settings local drift --profile prod")
    user("error: local app that is neither", "sms-pool-settings local deploy --app nowhere")

    user("seed us", f"sms-pool-settings local console seed-pool {US_POOL}")
    user(
        "seed eu",
        f"sms-pool-settings local --region {EU} console seed-pool {EU_POOL} SharedRoutesEnabled=false",
    )
    user(
        "deploy us",
        "sms-pool-settings local deploy --app . --stack UserLists --stack UserMessaging "
        "--parameters Protection=true --parameters SharedRoutes=false",
    )
    user(
        "deploy eu",
        f"sms-pool-settings local deploy --region {EU} --app . --no-synth --stack UserEurope "
        "--parameters EuSharedRoutes=true --output json",
    )
    user("local drift in sync", "sms-pool-settings local drift --app .")  # its stacks of us-east-1
    user("local drift eu", f"AWS_REGION={EU} sms-pool-settings local drift --output json")
    user("local status", "sms-pool-settings local status --stack UserMessaging --output json")
    with stand_ins(state, "us-east-1") as (aws, _):
        user("ci in sync", CI_RECIPE.format(stack="UserMessaging"), aws)

    # Out of band: shared routes back on, on a pool whose parameter was deployed false (default true)
    user("console change", f"sms-pool-settings local console set-pool {US_POOL} SharedRoutesEnabled=true")
    user("local drift found", "sms-pool-settings local drift --stack UserMessaging")
    with stand_ins(state, "us-east-1") as (aws, ssm_endpoint):
        user("ci drift", "sms-pool-settings drift --stack UserMessaging", aws)
        user("ci drift json", "sms-pool-settings drift --stack UserMessaging --output json", aws)
        user("ci gate drift", CI_RECIPE.format(stack="UserMessaging"), aws)
        user("ci gate typo", CI_RECIPE.format(stack="UserMessaging").replace("--stack", "--stak"), aws)
        user("ci unknown stack", "sms-pool-settings drift --stack NoSuchStack", aws)
        user("status", "sms-pool-settings status --stack UserMessaging", aws)
        # Without its record, drift reads the deployed template back: the parameter as deployed (false),
        # never its default (true), so the drift is still found (issue 10's false "no drift")
        ssm = boto3.client("ssm", endpoint_url=ssm_endpoint, region_name="us-east-1", **_keys())
        names = [
            p["Name"]
            for p in ssm.get_parameters_by_path(Path=pool_path(US_POOL), Recursive=True)["Parameters"]
        ]
        ssm.delete_parameters(Names=names)
        user("ci drift without record", "sms-pool-settings drift --stack UserMessaging", aws)
    with stand_ins(state, EU) as (aws, _):
        user("ci eu", f"sms-pool-settings drift --region {EU} --stack UserEurope", aws)

    # The pool keeps the opt-out list (RETAIN, and its record is gone): the list cannot be deleted while a
    # pool uses it, as in AWS, so the user detaches it first
    user("detach list", f"sms-pool-settings local console set-pool {US_POOL} OptOutListName=Default")
    user("destroy us", "sms-pool-settings local destroy --all")
    user("destroy eu", f"sms-pool-settings local destroy --region {EU}")
    user("resources after", "sms-pool-settings local resources")
    return user


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def _ok(ran: Ran, code: int = exit_codes.OK) -> None:
    assert ran.code == code, (
        f"{ran.command}: exit {ran.code}, expected {code}\n{ran.out[-3000:]}\n{ran.err[-3000:]}"
    )


# ------------------------------------------------------------------------------------------------------
def test_the_console_script_is_the_fresh_venvs_and_every_subcommand_has_help(scenario, installed_venv):
    assert Path(scenario.ran["which"].out.strip()) == installed_venv / "bin" / "sms-pool-settings"
    for name, ran in scenario.ran.items():
        if name.startswith("help"):
            _ok(ran)
            assert ran.out.startswith("usage: sms-pool-settings"), name
    assert {"drift", "status", "local"} <= set(scenario.ran["help"].out.split())


def test_usage_errors_exit_2_and_errors_exit_1_with_one_line(scenario):
    for name, code in (
        ("usage: drift without --stack", exit_codes.USAGE),
        ("usage: local unknown option", exit_codes.USAGE),
        ("usage: local --profile", exit_codes.USAGE),
        ("error: local app that is neither", exit_codes.ERROR),
        ("ci unknown stack", exit_codes.ERROR),
    ):
        ran = scenario.ran[name]
        _ok(ran, code)
        assert len(ran.err.strip().splitlines()) == 1, (name, ran.err)
    assert "--bogus" in scenario.ran["usage: local unknown option"].err
    assert "--app nowhere" in scenario.ran["error: local app that is neither"].err
    assert "NoSuchStack" in scenario.ran["ci unknown stack"].err


def test_local_deploy_synthesizes_the_users_app_once_into_its_own_cdk_out_and_writes_nothing_else(scenario):
    _ok(scenario.ran["seed us"])
    _ok(scenario.ran["seed eu"])
    _ok(scenario.ran["deploy us"])
    _ok(scenario.ran["deploy eu"])
    assert "Synthesizing" in scenario.ran["deploy us"].err
    assert "Synthesizing" not in scenario.ran["deploy eu"].err  # --no-synth: the same assembly
    # --output json: the progress lines on standard error, one document on standard output
    (europe,) = scenario.ran["deploy eu"].json()["Stacks"]
    assert (europe["StackName"], europe["Region"], europe["StackStatus"]) == (
        "UserEurope",
        EU,
        "CREATE_COMPLETE",
    )
    assert "CREATE_COMPLETE" in scenario.ran["deploy eu"].err
    manifest = json.loads((scenario.app_dir / "cdk.out" / "manifest.json").read_text())
    stacks = {k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    assert stacks == {"UserLists", "UserMessaging", "UserEurope"}  # the user's app, never the example
    assert sorted(p.name for p in scenario.app_dir.iterdir()) == sorted(
        [".sms-pool-settings-local", "app.py", "cdk.json", "cdk.out", "node_modules"]
    )


def test_local_drift_and_status_are_the_products_on_the_stand_ins_in_both_regions(scenario):
    in_sync = scenario.ran["local drift in sync"]
    _ok(in_sync)
    assert "UserMessaging (us-east-1, CREATE_COMPLETE)" in in_sync.out and "UserLists" in in_sync.out
    assert "No drift: every managed setting matches its live pool." in in_sync.out
    assert "UserEurope" not in in_sync.out  # the app's stack of the other region is drift-checked there
    europe = scenario.ran["local drift eu"]
    _ok(europe)
    (stack,) = europe.json()["Stacks"]
    assert (stack["StackName"], stack["Region"]) == ("UserEurope", EU)
    assert stack["Resources"][0]["Applied"] == {"SharedRoutesEnabled": True}  # the parameter, no default
    status = scenario.ran["local status"]
    _ok(status)
    (resource,) = status.json()["Stacks"][0]["Resources"]
    assert resource["Record"]["Settings"]["DeletionProtectionEnabled"]["Applied"] is True


def test_the_role_topic_and_imported_opt_out_list_are_applied_resolved(scenario):
    (stack,) = json.loads(scenario.ran["ci drift json"].out)["Stacks"]
    (resource,) = stack["Resources"]
    applied = resource["Applied"]
    assert applied["TwoWayEnabled"] is True
    assert applied["TwoWayChannelArn"].startswith("arn:aws:sns:us-east-1:123456789012:UserMessaging-Inbound")
    assert applied["TwoWayChannelRole"].startswith("arn:aws:iam::123456789012:role/UserMessaging-InboundRole")
    assert applied["OptOutListName"].startswith("UserLists-OptOuts")  # Fn::ImportValue of the other stack
    assert (applied["DeletionProtectionEnabled"], applied["SharedRoutesEnabled"]) == (True, False)


def test_a_setting_deployed_false_with_default_true_is_found_drifted_with_and_without_its_record(scenario):
    _ok(scenario.ran["ci in sync"])
    _ok(scenario.ran["console change"])
    local = scenario.ran["local drift found"]
    _ok(local, exit_codes.DRIFT)
    assert "SharedRoutesEnabled applied false, live true" in local.out
    _ok(scenario.ran["ci drift"], exit_codes.DRIFT)
    assert scenario.ran["ci drift"].out == local.out  # one code, local or not
    (stack,) = json.loads(scenario.ran["ci drift json"].out)["Stacks"]
    assert stack["Resources"][0]["Drifted"] == {"SharedRoutesEnabled": {"Applied": False, "Live": True}}
    without_record = scenario.ran["ci drift without record"]
    _ok(without_record, exit_codes.DRIFT)
    assert "from its template" in without_record.out
    assert "SharedRoutesEnabled applied false, live true" in without_record.out


def test_the_readmes_ci_recipe_passes_in_sync_and_fails_on_drift_and_on_a_typo_with_distinct_codes(scenario):
    _ok(scenario.ran["ci in sync"])
    _ok(scenario.ran["ci gate drift"], exit_codes.DRIFT)
    typo = scenario.ran["ci gate typo"]
    # a mistyped option is a usage error (2), never "drift found" (3) nor "in sync" (0)
    _ok(typo, exit_codes.USAGE)
    assert typo.err.startswith("sms-pool-settings drift: error:"), typo.err


def test_status_and_the_second_region_read_through_the_standard_variables(scenario):
    status = scenario.ran["status"]
    _ok(status)
    assert f"pool arn:aws:sms-voice:us-east-1:123456789012:pool/{US_POOL}" in status.out
    assert "SharedRoutesEnabled applied false, prior false" in status.out
    europe = scenario.ran["ci eu"]
    _ok(europe)
    assert f"UserEurope ({EU}, CREATE_COMPLETE)" in europe.out


def test_local_destroy_removes_every_stack_importers_first(scenario):
    _ok(scenario.ran["detach list"])
    _ok(scenario.ran["destroy us"])
    assert scenario.ran["destroy us"].out.index("UserMessaging") < scenario.ran["destroy us"].out.index(
        "UserLists |"
    )
    _ok(scenario.ran["destroy eu"])
    after = scenario.ran["resources after"]
    _ok(after, exit_codes.ERROR)
    assert "no stack has state" in after.err

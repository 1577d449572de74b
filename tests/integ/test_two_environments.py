"""One environment-agnostic template (examples/multi_account/env_agnostic.py) deployed by the local driver
to two emulated accounts and regions, each with its own parameter values, and ``drift`` for each."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sms_pool_settings_local.deploy.cli import EXIT_DRIFT, EXIT_OK, run
from sms_pool_settings_local.deploy.session import LocalAccount, environment_dir
from sms_pool_settings_local.deploy.template import Template, read_assembly
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorServer
from sms_pool_settings_local.moto_server import MotoServer

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "multi_account" / "env_agnostic.py"
STACK = "SmsSettings"
PROD = "222222222222"
DEV_POOL = "pool-dddddddddddddddddddddddddddddddd"
PROD_POOL = "pool-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
# name -> (account, region, pool, DeletionProtection)
ENVIRONMENTS = {
    "dev": (ACCOUNT_ID, "us-east-1", DEV_POOL, "false"),
    "prod": (PROD, "eu-west-1", PROD_POOL, "true"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The example's template, synthesized once with aws_cdk (no env: environment-agnostic)."""
    from aws_cdk import App

    spec = importlib.util.spec_from_file_location("sms_pool_settings_example_two_envs", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("env-agnostic")
    app = App(outdir=str(out))
    module.build(app)
    app.synth()
    return read_assembly(out, STACK)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """One emulator holding both accounts and moto's SSM for the handler's records (reset: moto's state
    is the process's); each command starts the CloudFormation stand-in, fed from its environment's state
    (``drift`` is the product's, which reads the stack from CloudFormation)."""
    with EmulatorServer() as emulator, MotoServer() as moto:
        moto.reset()
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", moto.endpoint_url)
        emulator.control.seed_pool(DEV_POOL, region="us-east-1", SharedRoutesEnabled=True)
        emulator.control.seed_pool(PROD_POOL, region="eu-west-1", account=PROD, SharedRoutesEnabled=True)
        yield {"emulator": emulator}


def deploy(world: dict[str, Any], state: Path, template: Template, name: str, pool: str | None = None) -> Any:
    account, region, own_pool, protection = ENVIRONMENTS[name]
    with LocalAccount(
        state, world["emulator"].endpoint_url, region, stream=io.StringIO(), account=account
    ) as local:
        return local.deploy(template, {"PoolId": pool or own_pool, "DeletionProtection": protection})


def cli(world: dict[str, Any], state: Path, name: str, *command: str) -> int:
    account, region, _, _ = ENVIRONMENTS[name]
    common = ["--endpoint-url", world["emulator"].endpoint_url, "--state-dir", str(state)]
    return run([*common, "--account", account, "--region", region, *command])


def test_the_same_template_deploys_to_two_accounts_and_regions_with_their_own_values(
    world: dict[str, Any], template: Template, tmp_path: Path
) -> None:
    # WHEN the one template is deployed to dev (123456789012, us-east-1) and prod (222222222222, eu-west-1)
    results = {name: deploy(world, tmp_path, template, name) for name in ENVIRONMENTS}

    # THEN both succeed, each pool gets its own environment's values, and nothing crosses over
    assert {name: r.ok for name, r in results.items()} == {"dev": True, "prod": True}
    control = world["emulator"].control
    (dev,) = control.pools("us-east-1")
    (prod,) = control.pools("eu-west-1", account=PROD)
    assert (dev["PoolId"], dev["DeletionProtectionEnabled"], dev["SharedRoutesEnabled"]) == (
        DEV_POOL,
        False,
        False,
    )
    assert (prod["PoolId"], prod["DeletionProtectionEnabled"], prod["SharedRoutesEnabled"]) == (
        PROD_POOL,
        True,
        False,
    )
    assert control.pools("eu-west-1") == [] and control.pools("us-east-1", account=PROD) == []
    # AND each environment keeps its own stack state, with the stack ID of its account and region
    states = {
        name: (environment_dir(tmp_path, account, region) / "stacks" / f"{STACK}.json")
        for name, (account, region, _, _) in ENVIRONMENTS.items()
    }
    assert all(path.is_file() for path in states.values()), states
    assert f"arn:aws:cloudformation:eu-west-1:{PROD}:stack/{STACK}/" in states["prod"].read_text()
    # AND the handler ran in each account: every SMS call it made was signed for that account
    updates = control.calls("UpdatePool")
    assert sorted((c["account"], c["region"], c["request"]["PoolId"]) for c in updates) == [
        (ACCOUNT_ID, "us-east-1", DEV_POOL),
        (PROD, "eu-west-1", PROD_POOL),
    ]


def test_drift_reports_each_environment_on_its_own(
    world: dict[str, Any], template: Template, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN both environments deployed, and prod's pool changed out of band
    for name in ENVIRONMENTS:
        assert deploy(world, tmp_path, template, name).ok
    assert (
        cli(world, tmp_path, "prod", "console", "set-pool", PROD_POOL, "DeletionProtectionEnabled=false")
        == EXIT_OK
    )
    capsys.readouterr()

    # WHEN drift runs for each environment
    dev_code = cli(world, tmp_path, "dev", "drift")
    dev_out = capsys.readouterr().out
    prod_code = cli(world, tmp_path, "prod", "drift")
    prod_out = capsys.readouterr().out

    # THEN only prod reports the change
    assert (dev_code, prod_code) == (EXIT_OK, EXIT_DRIFT)
    assert "No drift" in dev_out
    assert "DeletionProtectionEnabled applied true, live false" in prod_out


def test_a_pool_id_of_the_other_account_is_not_found_there(
    world: dict[str, Any], template: Template, tmp_path: Path
) -> None:
    # WHEN prod's stack is given dev's pool ID
    result = deploy(world, tmp_path, template, "prod", pool=DEV_POOL)

    # THEN the handler, acting in prod's account, does not find it, and dev's pool is untouched
    assert not result.ok
    reasons = [e.reason for e in result.events if e.status == "CREATE_FAILED" and e.reason]
    assert reasons == [f"DescribePools: pool {DEV_POOL} not found: Pool {DEV_POOL} does not exist."]
    (dev,) = world["emulator"].control.pools("us-east-1")
    assert dev["DeletionProtectionEnabled"] is False and dev["SharedRoutesEnabled"] is True


def test_an_account_that_is_not_12_digits_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["--state-dir", str(tmp_path), "--account", "prod", "status", "--stack", STACK]) == 1
    assert "account must be 12 digits, got 'prod'" in capsys.readouterr().err


def test_console_seed_pool_puts_a_tagged_pool_in_the_account_and_region_given(
    world: dict[str, Any], tmp_path: Path
) -> None:
    pool = "pool-abababababababababababababababab"

    code = cli(world, tmp_path, "prod", "console", "seed-pool", pool, "--tag", "team=alerts")

    assert code == EXIT_OK
    (seeded,) = [p for p in world["emulator"].control.pools("eu-west-1", account=PROD) if p["PoolId"] == pool]
    assert seeded["Tags"] == [{"Key": "team", "Value": "alerts"}]
    assert pool not in [p["PoolId"] for p in world["emulator"].control.pools("us-east-1")]

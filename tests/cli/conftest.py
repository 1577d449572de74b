"""The CLI against real servers on 127.0.0.1: the SMS emulator, moto's SSM, and the driver's own
CloudFormation stand-in (``sms_pool_settings_local.deploy.cloudformation_api``) answering about the stacks
the local driver deployed, published by the driver's ``StackMirror`` as ``sms-pool-settings local drift``
publishes them.

The app of ``app.py`` is synthesized and deployed once per session; each test gets the pools and the
records back as deployed, the emulator without faults, IAM enforcement or calls, and an environment
that points the SDK's standard ``AWS_ENDPOINT_URL_<SERVICE>`` variables at the servers.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from sms_pool_settings_cli.main import main
from sms_pool_settings_local.deploy.cloudformation_api import CloudFormationApi
from sms_pool_settings_local.deploy.session import LocalAccount
from sms_pool_settings_local.deploy.stand_ins import StackMirror
from sms_pool_settings_local.deploy.state import StackState
from sms_pool_settings_local.deploy.template import read_assembly
from sms_pool_settings_local.emulator import EmulatorServer
from sms_pool_settings_local.emulator.models import POOL_SETTINGS
from sms_pool_settings_local.moto_server import MotoServer

from . import app

SEEDED = {  # the pools before the deploy, each in its region
    app.ALERTS_POOL: (app.EAST, {"SharedRoutesEnabled": True}),
    app.MARKETING_POOL: (app.EAST, {}),
    app.EU_POOL: (app.WEST, {"SharedRoutesEnabled": True, "DeletionProtectionEnabled": True}),
    app.ROUTES_POOL: (app.EAST, {"SharedRoutesEnabled": True}),
}
SETTINGS = POOL_SETTINGS  # what UpdatePool changes, put back after each test


@dataclass
class World:
    emulator: EmulatorServer
    moto: MotoServer
    cloudformation: CloudFormationApi
    states: dict[str, StackState] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    pools: dict[str, dict[str, Any]] = field(default_factory=dict)  # pool ID -> DescribePools as deployed
    records: dict[str, dict[str, str]] = field(default_factory=dict)  # region -> name -> value

    def sms(self, region: str = app.EAST) -> Any:
        return boto3.client(
            "pinpoint-sms-voice-v2", region_name=region, endpoint_url=self.emulator.endpoint_url
        )

    def ssm(self, region: str = app.EAST) -> Any:
        return boto3.client("ssm", region_name=region, endpoint_url=self.moto.endpoint_url)

    def pool(self, pool_id: str) -> dict[str, Any]:
        region = SEEDED[pool_id][0]
        return dict(self.sms(region).describe_pools(PoolIds=[pool_id])["Pools"][0])

    def set_pool(self, pool_id: str, **settings: Any) -> None:
        self.sms(SEEDED[pool_id][0]).update_pool(PoolId=pool_id, **settings)

    def physical_id(self, stack: str, construct_id: str) -> str:
        """The physical ID the driver gave the resource of top-level construct ``construct_id`` of ``stack``
        (CDK's logical ID: the construct ID and 8 hex digits of its path's hash)."""
        logical = re.compile(rf"{construct_id}[0-9A-F]{{8}}")
        (found,) = [r.physical_id for k, r in self.states[stack].resources.items() if logical.fullmatch(k)]
        return found

    def publish(
        self,
        state: StackState,
        template: Mapping[str, Any] | None = None,
        statuses: Mapping[str, str] | None = None,
    ) -> None:
        """CloudFormation answers for ``state`` as the driver publishes a stack at rest (``StackMirror``),
        with ``template`` as its template (Default: - the one deployed) and each resource of ``statuses``
        (logical ID -> ResourceStatus) in that status (Default: - every resource at rest)."""
        given = state if template is None else dataclasses.replace(state, template=dict(template))
        StackMirror(self.cloudformation, given).publish()
        for logical, status in (statuses or {}).items():
            resource = state.resources[logical]
            self.cloudformation.set_resource(
                state.stack_id, logical, status, resource_type=resource.type, physical_id=resource.physical_id
            )

    def cloudformation_calls(self) -> list[str]:
        """The actions the CloudFormation stand-in received since the last ``restore``, oldest first."""
        return [call["Action"] for call in self.cloudformation.calls()]

    def record_names(self, region: str = app.EAST) -> list[str]:
        return sorted(self.records[region])

    def restore(self) -> None:
        """The pools, the records and the emulator as right after the deploy."""
        control = self.emulator.control
        control.clear_faults()
        control.clear_iam()
        control.set_rate_limit(None)
        for pool_id, deployed in self.pools.items():
            settings = {k: deployed[k] for k in SETTINGS if k in deployed and k != "OptOutListName"}
            if deployed.get("OptOutListName"):
                settings["OptOutListName"] = deployed["OptOutListName"]
            self.set_pool(pool_id, **settings)
        for region, records in self.records.items():
            ssm = self.ssm(region)
            stored = {p["Name"] for page in ssm.get_paginator("get_parameters_by_path").paginate(
                Path="/sms-pool-settings", Recursive=True) for p in page["Parameters"]}  # fmt: skip
            for name in stored - set(records):
                ssm.delete_parameter(Name=name)
            for name, value in records.items():
                ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=True)
        self.cloudformation.clear()  # every stack and the call log
        for name, state in self.states.items():
            self.publish(state, self.templates[name])
        control.clear_calls()


def _deploy(world: World, state_dir: Path, assembly: Path, stack: str, region: str) -> None:
    template = read_assembly(assembly, stack)
    with LocalAccount(state_dir, world.emulator.endpoint_url, region, stream=io.StringIO()) as account:
        result = account.deploy(template, app.PARAMETERS.get(stack, {}))
        assert result.ok, [str(e) for e in result.events][-5:]
        state = account.store.load(stack)
    assert state is not None
    world.states[stack] = state
    world.templates[stack] = template.body
    world.publish(state, template.body)


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    assembly = app.build(tmp_path_factory.mktemp("cli-app"))
    state_dir = tmp_path_factory.mktemp("cli-state")
    with EmulatorServer() as emulator, MotoServer() as moto, CloudFormationApi() as cloudformation:
        moto.reset()
        # The variables hold for the deploys only: a test sets its own (``deployed``), and a later suite
        # must not find this session's endpoints in its environment.
        with pytest.MonkeyPatch.context() as patch:
            # The handler keeps its records in this moto (the driver respects a given SSM endpoint); the
            # driver starts its own CloudFormation stand-in for the handler during each deploy.
            patch.setenv("AWS_ENDPOINT_URL_SSM", moto.endpoint_url)
            patch.delenv("AWS_ENDPOINT_URL_CLOUDFORMATION", raising=False)
            for pool_id, (region, settings) in SEEDED.items():
                emulator.control.seed_pool(pool_id, region=region, **settings)
            world = World(emulator, moto, cloudformation)
            _deploy(world, state_dir, assembly, app.SHARED, app.EAST)
            _deploy(world, state_dir, assembly, app.MESSAGING, app.EAST)
            _deploy(world, state_dir, assembly, app.MESSAGING_EU, app.WEST)
            _deploy(world, state_dir, assembly, app.DEFAULTS, app.EAST)
            world.pools = {pool_id: world.pool(pool_id) for pool_id in SEEDED}
            for region in (app.EAST, app.WEST):
                pages = (
                    world.ssm(region)
                    .get_paginator("get_parameters_by_path")
                    .paginate(Path="/sms-pool-settings", Recursive=True)
                )
                world.records[region] = {p["Name"]: p["Value"] for page in pages for p in page["Parameters"]}
        yield world


@pytest.fixture
def deployed(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The world as deployed, and the SDK's variables pointing at its servers (the CLI reads nothing else)."""
    world.restore()
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFORMATION", world.cloudformation.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", world.moto.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", world.emulator.endpoint_url)
    yield world
    world.restore()


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli("drift", "--stack", ...)``: ``main`` in this process; its exit code and both streams."""

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test on the deployed app is slow (the session's synth and deploys, about 15 s)."""
    for item in items:
        if "deployed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)

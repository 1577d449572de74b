"""``python -m sms_pool_settings_local.deploy.demo`` (``make demo``): the project's main job, end to end,
without AWS.

It starts the emulated SMS endpoint (``export AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=...``, printed) and
runs ``sms-pool-settings local ...`` commands from the example app's directory, each printed as typed
(they run as printed after ``pip install 'sms-pool-settings[local]'``, in that directory, while the demo's
emulator runs), through six steps: deploy, drift, reconcile, a change the service rejects with its
rollback, a deploy that fails after a PoolSettings wrote and its exact rollback (issue 9), destroy.
``deploy --app .`` synthesizes the app with its own CDK CLI into its ``cdk.out``; ``drift`` and
``status`` are the product's ``sms-pool-settings drift``/``status`` on the stand-ins. After each step it
checks the live pools through the SDK; it exits 0 only when every check passed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sms_pool_settings_cli.exit_codes import DRIFT as EXIT_DRIFT
from sms_pool_settings_cli.exit_codes import ERROR as EXIT_FAILED
from sms_pool_settings_cli.exit_codes import OK as EXIT_OK

from sms_pool_settings_local.deploy.cli import ENDPOINT_VARIABLE
from sms_pool_settings_local.deploy.cli import main as local_main
from sms_pool_settings_local.deploy.client import SmsClient
from sms_pool_settings_local.deploy.errors import DeployError
from sms_pool_settings_local.deploy.stand_ins import SSM_STATE_FILE
from sms_pool_settings_local.deploy.state import StateStore
from sms_pool_settings_local.deploy.synth import REPO_ROOT, assembly_dir_of
from sms_pool_settings_local.emulator import EmulatorServer

STACK = "SmsPoolSettingsExample"
# The pool the example app's ExistingPoolSettings manages: "created in the console" by the demo.
EXISTING_POOL = "pool-0123456789abcdef0123456789abcdef"
# A second pool, owned by another team, that step 4 points the settings at.
OTHER_POOL = "pool-0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
# The example app's environment is account 111111111111 unless told: the local account's.
LOCAL_ACCOUNT = "account=123456789012"
RECONCILE = "demo-build-1"
RECONCILE_AGAIN = "demo-build-2"
CONFLICT_REASON = "RESOURCE_MODIFICATION_NOT_ALLOWED"


class _Tee(io.TextIOBase):
    def __init__(self, *streams: Any) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


class Demo:
    """The six steps; ``checks`` records each expectation and whether it held.

    Args:
        state_dir: the ``--state-dir`` every command gets, as printed (relative to the app directory
            when inside it).
        sms: a client of the demo's emulator.
    """

    def __init__(self, state_dir: str, sms: SmsClient) -> None:
        self.work = state_dir
        self.sms = sms
        self.checks: list[tuple[str, bool]] = []

    def command(self, *args: str) -> tuple[int, str]:
        """Run ``sms-pool-settings local <args> --state-dir <state dir>`` in-process, exactly as printed:
        (exit code, output)."""
        argv = ["--state-dir", self.work, *args]
        print(f"\n$ sms-pool-settings local {' '.join(argv)}", flush=True)
        captured = io.StringIO()
        tee = _Tee(sys.stdout, captured)
        with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
            code = local_main(argv)
        print(f"(exit code {code})", flush=True)
        return code, captured.getvalue()

    def check(self, description: str, passed: bool) -> None:
        self.checks.append((description, passed))
        print(f"  {'PASS' if passed else 'FAIL'}  {description}", flush=True)

    def pool(self, pool_id: str) -> dict[str, Any] | None:
        try:
            return self.sms.describe_pool(pool_id)
        except DeployError as exc:
            if SmsClient.is_not_found(exc):
                return None
            raise

    def stack_pool_id(self) -> str:
        state = StateStore(self.work).load(STACK)
        assert state is not None, "no stack state"
        return state.resources["Pool"].physical_id

    def deploy(self, *context: str) -> tuple[int, str]:
        """``local deploy --app .`` of the example app with ``-c`` for each of ``context``."""
        return self.command(
            "deploy", "--app", ".", "-c", LOCAL_ACCOUNT, *(x for v in context for x in ("-c", v))
        )


STEPS = 6


def heading(number: int, title: str, explanation: str) -> None:
    print(f"\n{'=' * 100}\nStep {number} of {STEPS}: {title}\n{'=' * 100}\n{explanation}", flush=True)


def step_deploy(demo: Demo) -> None:
    heading(
        1,
        "deploy the example app",
        f"A pool {EXISTING_POOL} already exists (made in the console: deletion protection off, shared\n"
        "routes on). The app declares its settings, and creates a second pool and an opt-out list whose\n"
        "settings it also declares. The real handler answers CloudFormation's events over loopback HTTPS.",
    )
    code, out = demo.deploy(f"existingPoolId={EXISTING_POOL}")
    demo.check(
        "the deploy succeeded (exit code 0, CREATE_COMPLETE)", code == EXIT_OK and "CREATE_COMPLETE" in out
    )
    demo.check(
        "event lines read like cdk deploy's: n/N progress, the construct path beside the logical ID",
        re.search(r"\| +\d+/\d+ \| .* \| NewPoolSettings/Resource/Default \(NewPoolSettings\w+\)", out)
        is not None,
    )
    existing = demo.pool(EXISTING_POOL) or {}
    demo.check(
        "the existing pool now has DeletionProtectionEnabled=true and SharedRoutesEnabled=false",
        existing.get("DeletionProtectionEnabled") is True and existing.get("SharedRoutesEnabled") is False,
    )
    new_pool = demo.pool(demo.stack_pool_id()) or {}
    lists = demo.sms._sms.describe_opt_out_lists()["OptOutLists"]
    stack_list = [x["OptOutListName"] for x in lists if x["OptOutListName"].startswith(STACK)]
    demo.check(
        "the stack's pool and opt-out list exist, with SelfManagedOptOutsEnabled=true and that opt-out list",
        bool(stack_list)
        and new_pool.get("SelfManagedOptOutsEnabled") is True
        and new_pool.get("OptOutListName") == stack_list[0],
    )


def step_drift(demo: Demo) -> None:
    heading(
        2,
        "change a setting out of band, and see drift report it",
        "Someone turns deletion protection off in the console. CloudFormation's own drift detection does\n"
        "not cover custom resources; `drift` (the product's `sms-pool-settings drift`, here on the\n"
        "stand-ins) compares what each PoolSettings applied, read from its record, with the live pools.",
    )
    code, _ = demo.command("console", "set-pool", EXISTING_POOL, "DeletionProtectionEnabled=false")
    demo.check("the console change was made", code == EXIT_OK)
    code, out = demo.command("drift")
    demo.check(
        f"drift reports DeletionProtectionEnabled applied true, live false (exit code {EXIT_DRIFT})",
        code == EXIT_DRIFT and "DeletionProtectionEnabled applied true, live false" in out,
    )


def step_reconcile(demo: Demo) -> None:
    heading(
        3,
        "deploy again with the reconcile trigger",
        "The template did not change, so a plain deploy would send nothing. A pipeline passes its build ID\n"
        f"(`-c reconcile={RECONCILE}`): every PoolSettings gets an Update and puts the declared values back.",
    )
    code, out = demo.deploy(f"existingPoolId={EXISTING_POOL}", f"reconcile={RECONCILE}")
    demo.check("the deploy succeeded with UPDATE_COMPLETE", code == EXIT_OK and "UPDATE_COMPLETE" in out)
    code, out = demo.command("resources")
    demo.check(
        "ExistingPoolSettings reports ChangedFields: DeletionProtectionEnabled",
        code == EXIT_OK and "ChangedFields: DeletionProtectionEnabled" in out,
    )
    code, out = demo.command("status")
    demo.check(
        "status shows the record: DeletionProtectionEnabled applied true, prior false (the console's)",
        code == EXIT_OK and "DeletionProtectionEnabled applied true, prior false" in out,
    )
    code, out = demo.command("drift")
    demo.check("drift finds nothing any more (exit code 0)", code == EXIT_OK and "No drift" in out)
    demo.check(
        "the live pool has DeletionProtectionEnabled=true again",
        (demo.pool(EXISTING_POOL) or {}).get("DeletionProtectionEnabled") is True,
    )


def step_rejected(demo: Demo, control: Any) -> None:
    heading(
        4,
        "deploy a change the service rejects, and watch the rollback",
        f"The settings are pointed at another team's pool {OTHER_POOL}. Its owner does not allow changes:\n"
        f"the service answers UpdatePool with ConflictException {CONFLICT_REASON} (injected through the\n"
        "emulator's fault API). The stack fails with the handler's Reason and rolls back: the Update is\n"
        "sent again with old and new swapped, and both pools are left as they were.\n"
        "The handler runs under the provider role's policy (IAM enforced by the emulator). It grants this\n"
        "account and region's pools (pool/*), not the pools declared, so the update left it as it was and\n"
        "the rollback Update may read the old pool: the rollback completes by itself.",
    )
    control.add_fault("UpdatePool", "conflict", reason=CONFLICT_REASON, pool_id=OTHER_POOL)
    before_other, before_existing = demo.pool(OTHER_POOL), demo.pool(EXISTING_POOL)
    code, out = demo.deploy(f"existingPoolId={OTHER_POOL}", f"reconcile={RECONCILE}")
    failed = [line for line in out.splitlines() if "UPDATE_FAILED" in line]
    demo.check("the deploy failed (exit code 1)", code == EXIT_FAILED)
    demo.check(
        f"UPDATE_FAILED Reason: UpdatePool {OTHER_POOL} rejected: ConflictException {CONFLICT_REASON}",
        any(
            f"UpdatePool {OTHER_POOL} rejected: ConflictException {CONFLICT_REASON}" in line
            for line in failed
        ),
    )
    demo.check(
        "the rollback finished by itself under IAM (UPDATE_ROLLBACK_COMPLETE; only the forward Update "
        "failed, no UPDATE_ROLLBACK_FAILED, no continue-update-rollback)",
        "UPDATE_ROLLBACK_COMPLETE" in out and "UPDATE_ROLLBACK_FAILED" not in out and len(failed) == 1,
    )
    demo.check("the other team's pool is exactly as it was", demo.pool(OTHER_POOL) == before_other)
    demo.check("the managed pool is exactly as it was", demo.pool(EXISTING_POOL) == before_existing)
    code, out = demo.command("drift")
    demo.check("drift still finds nothing: the stack manages the original pool", code == EXIT_OK)


def step_exact_rollback(demo: Demo, control: Any) -> None:
    stack_pool = demo.stack_pool_id()
    heading(
        5,
        "a deploy that fails after a PoolSettings wrote: the rollback puts the pool back exactly",
        f"ExistingPoolSettings is pointed at {OTHER_POOL} again, whose owner now allows it: the handler\n"
        "records that pool's values in SSM Parameter Store (moto on loopback), then writes the declared\n"
        f"ones. A later resource fails: NewPoolSettings' DescribePools of {stack_pool} is denied\n"
        "(the emulator's fault API). CloudFormation rolls back; in the cleanup it deletes the PoolSettings\n"
        "on the other pool; the handler asks CloudFormation (the driver's stand-in) whether this is a\n"
        "rollback, and writes the recorded values back.",
    )
    control.add_fault("DescribePools", "access_denied", pool_id=stack_pool)
    before_other, before_existing = demo.pool(OTHER_POOL), demo.pool(EXISTING_POOL)
    code, out = demo.deploy(f"existingPoolId={OTHER_POOL}", f"reconcile={RECONCILE_AGAIN}")
    custom = r" +\| Custom::SmsPoolSettings +\| ExistingPoolSettings/"
    demo.check(
        "the deploy failed (exit code 1) after ExistingPoolSettings wrote the other pool (UPDATE_COMPLETE)",
        code == EXIT_FAILED and re.search("UPDATE_COMPLETE" + custom, out) is not None,
    )
    cleanup = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    demo.check(
        f"the rollback deleted it in {cleanup}, and the stack ended UPDATE_ROLLBACK_COMPLETE",
        re.search(
            cleanup + r"[\s\S]*DELETE_COMPLETE" + custom + r"[\s\S]*\| UPDATE_ROLLBACK_COMPLETE +\|", out
        )
        is not None,
    )
    demo.check("the other team's pool reads back exactly as before", demo.pool(OTHER_POOL) == before_other)
    demo.check("the managed pool reads back exactly as before", demo.pool(EXISTING_POOL) == before_existing)
    records = json.loads((Path(demo.work) / SSM_STATE_FILE).read_text())["regions"]
    demo.check(
        f"no record of {OTHER_POOL} is left in Parameter Store",
        not any(OTHER_POOL in p["Name"] for found in records.values() for p in found),
    )


def step_destroy(demo: Demo) -> None:
    stack_pool = demo.stack_pool_id()
    heading(
        6,
        "destroy the stack",
        f"The app turned deletion protection on for the pool it created ({stack_pool}), so DeletePool\n"
        "would be refused (ConflictException DELETION_PROTECTION_ENABLED), as in AWS. Turn it off first,\n"
        "then destroy: resources are deleted in reverse dependency order. Deleting a PoolSettings leaves\n"
        "its pool's settings as they are.",
    )
    code, _ = demo.command("console", "set-pool", stack_pool, "DeletionProtectionEnabled=false")
    demo.check("deletion protection is off on the stack's pool", code == EXIT_OK)
    code, out = demo.command("destroy")
    demo.check("the destroy succeeded (DELETE_COMPLETE)", code == EXIT_OK and "DELETE_COMPLETE" in out)
    demo.check("the stack's pool is gone", demo.pool(stack_pool) is None)
    existing = demo.pool(EXISTING_POOL) or {}
    demo.check(
        "the existing pool is still there, with its settings left as they were",
        existing.get("DeletionProtectionEnabled") is True and existing.get("SharedRoutesEnabled") is False,
    )
    demo.check("no local stack state is left", StateStore(demo.work).load(STACK) is None)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns 0 when every check passed, 1 otherwise.

    Args:
        argv: ``[--app DIR] [--work-dir DIR]``: the example app's directory, where the commands run
            (default: the repository root) and the state directory (emptied first; default:
            ``.local-state/demo`` in the app directory).
    """
    parser = argparse.ArgumentParser(prog="python -m sms_pool_settings_local.deploy.demo")
    parser.add_argument("--app", type=Path, default=REPO_ROOT, help="the example app (default: %(default)s)")
    parser.add_argument("--work-dir", type=Path, default=None, help="default: <app>/.local-state/demo")
    args = parser.parse_args(argv)
    started = time.monotonic()
    app = args.app.resolve()
    work = (args.work_dir or app / ".local-state" / "demo").resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shown = str(work.relative_to(app)) if work.is_relative_to(app) else str(work)
    print("Local demo of sms-pool-settings: no AWS account, no credentials, no network.", flush=True)
    print(f"\n$ cd {app}", flush=True)
    saved_cwd, saved_endpoint = Path.cwd(), os.environ.get(ENDPOINT_VARIABLE)
    with EmulatorServer(state_file=work / "emulator.json") as server:
        # The one emulator of every step (faults are injected into it): the commands find it through
        # the SDK's standard variable, as they would find yours.
        print(f"$ export {ENDPOINT_VARIABLE}={server.endpoint_url}   # the demo's emulator", flush=True)
        os.environ[ENDPOINT_VARIABLE] = server.endpoint_url
        os.chdir(app)
        control = server.control
        control.seed_pool(EXISTING_POOL, DeletionProtectionEnabled=False, SharedRoutesEnabled=True)
        control.seed_pool(OTHER_POOL, DeletionProtectionEnabled=False, SharedRoutesEnabled=True)
        demo = Demo(shown, SmsClient(server.endpoint_url, dummy_credentials=True))
        steps: list[Callable[[], None]] = [
            lambda: step_deploy(demo),
            lambda: step_drift(demo),
            lambda: step_reconcile(demo),
            lambda: step_rejected(demo, control),
            lambda: step_exact_rollback(demo, control),
            lambda: step_destroy(demo),
        ]
        try:
            for step in steps:
                try:
                    step()
                except Exception as exc:  # a step that crashes is a failed check, and the demo stops
                    demo.check(f"the step ran to the end (it raised {type(exc).__name__}: {exc})", False)
                    break
        finally:
            os.chdir(saved_cwd)
            if saved_endpoint is None:
                os.environ.pop(ENDPOINT_VARIABLE, None)
            else:
                os.environ[ENDPOINT_VARIABLE] = saved_endpoint
    print(f"\nThe app's cloud assembly: {assembly_dir_of(app)}; the state: {work}", flush=True)
    failed = [name for name, passed in demo.checks if not passed]
    print(f"\n{'=' * 100}", flush=True)
    elapsed = time.monotonic() - started
    if failed:
        print(
            f"DEMO FAILED: {len(failed)} of {len(demo.checks)} checks failed ({elapsed:.0f} s):", flush=True
        )
        for name in failed:
            print(f"  - {name}", flush=True)
        return 1
    print(f"DEMO PASSED: all {len(demo.checks)} checks held ({elapsed:.0f} s).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

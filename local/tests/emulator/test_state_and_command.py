"""The state file (round trip, atomic writes) and ``python -m sms_pool_settings_local.emulator``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from sms_pool_settings_local.emulator import ACCOUNT_ID, EmulatorServer


def _client(endpoint_url: str) -> Any:
    return boto3.client("pinpoint-sms-voice-v2", endpoint_url=endpoint_url, region_name="us-east-1")


def test_state_written_by_one_server_is_loaded_by_the_next(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as first:
        sms = _client(first.endpoint_url)
        pool = sms.create_pool(OriginationIdentity="Sender", MessageType="PROMOTIONAL")
        sms.create_opt_out_list(OptOutListName="marketing")
        sms.update_pool(PoolId=pool["PoolId"], OptOutListName="marketing", DeletionProtectionEnabled=True)
        stored = first.control.pools()

    with EmulatorServer(state_file=state) as second:
        sms = _client(second.endpoint_url)
        assert second.control.pools() == stored
        assert [x["OptOutListName"] for x in sms.describe_opt_out_lists()["OptOutLists"]] == [
            "Default",
            "marketing",
        ]
        with pytest.raises(sms.exceptions.ConflictException):
            sms.delete_pool(PoolId=pool["PoolId"])


def test_every_change_replaces_the_state_file_and_a_read_does_not(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as server:
        sms = _client(server.endpoint_url)
        pool = sms.create_pool(OriginationIdentity="Sender", MessageType="TRANSACTIONAL")
        first_inode = state.stat().st_ino

        sms.describe_pools()
        after_read = state.stat().st_ino
        sms.update_pool(PoolId=pool["PoolId"], SharedRoutesEnabled=True)
        after_write = state.stat().st_ino

    assert after_read == first_inode
    # A new inode: the file was replaced whole (os.replace), never rewritten in place.
    assert after_write != first_inode
    saved = json.loads(state.read_text())
    assert saved["accounts"][ACCOUNT_ID]["us-east-1"]["pools"][pool["PoolId"]]["SharedRoutesEnabled"] is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_leaves_the_previous_state_file_whole_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.json"
    server = EmulatorServer(state_file=state)
    server.backend.seed_pool("us-east-1", "pool-before")
    server.save_state()
    before = state.read_text()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    server.backend.seed_pool("us-east-1", "pool-after")
    with pytest.raises(OSError, match="disk full"):
        server.save_state()

    assert state.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_malformed_state_file_stops_the_start_with_a_message(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"version": 99}))

    with pytest.raises(ValueError, match="state must be an object with version 1"):
        EmulatorServer(state_file=state).start()


def _start_command(*extra: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sms_pool_settings_local.emulator", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    prefix = "sms_pool_settings_local.emulator listening on http://127.0.0.1:"
    if not line.startswith(prefix):
        process.kill()
        raise AssertionError(f"unexpected first line {line!r}; stderr: {process.communicate()[1]}")
    return process, line.removeprefix("sms_pool_settings_local.emulator listening on ")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_command_serves_boto3_and_stops_on_a_signal(tmp_path: Path, stop_signal: int) -> None:
    state = tmp_path / "state.json"
    process, url = _start_command("--state-file", str(state))
    try:
        pool = _client(url).create_pool(OriginationIdentity="Sender", MessageType="TRANSACTIONAL")
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]

    assert pool["PoolId"] in json.loads(state.read_text())["accounts"][ACCOUNT_ID]["us-east-1"]["pools"]


def test_the_command_loads_its_state_file_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    seeded = EmulatorServer(state_file=state)
    seeded.backend.seed_pool("us-east-1", "pool-from-file")
    seeded.save_state()

    process, url = _start_command("--state-file", str(state))
    try:
        pools = _client(url).describe_pools()["Pools"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]

    assert [p["PoolId"] for p in pools] == ["pool-from-file"]

"""Run a command and measure its wall time and the peak resident memory of its whole process tree.

A CDK synth in Python is two processes: the Python app and the jsii Node.js child that runs
aws-cdk-lib. ``getrusage`` reports only the largest single process, so the tree is sampled from
/proc instead: every few milliseconds the RSS of the command and all its descendants is summed.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    """One finished command: wall seconds, peak tree RSS in bytes, exit code and output."""

    seconds: float
    peak_rss: int
    returncode: int
    stdout: str
    stderr: str


def _parents() -> dict[int, int]:
    """Map every live PID to its parent PID."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name sits in parentheses and may itself contain spaces or parentheses.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def _tree_rss(root: int) -> int:
    parents = _parents()
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run(
    command: list[str], *, env: dict[str, str], cwd: str, timeout: float = 600.0, interval: float = 0.02
) -> Run:
    """Run ``command`` to completion, sampling its tree's RSS every ``interval`` seconds.

    Raises subprocess.TimeoutExpired (after killing the command) when it runs past ``timeout``.
    Default: timeout 600 s, interval 0.02 s.
    """
    peak = 0
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    return Run(seconds, peak, proc.returncode, stdout, stderr)

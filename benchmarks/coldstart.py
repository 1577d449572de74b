"""Cold start: process start to handler ready, in paired, interleaved runs.

Each round starts one fresh Python process per kind (see coldstart_probe.py), in a shuffled order,
and times it from just before the spawn to the moment it prints ``ready``. Ratios are taken within a
round, so that a burst of load from elsewhere on the machine hits both sides of a ratio.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from dataclasses import dataclass, field

from .env import BENCH, REPO, child_env
from .stats import Summary, summarize

KINDS = ("boto3", "ours", "ours-import", "crhelper")
PROBE = str(BENCH / "coldstart_probe.py")


@dataclass
class ColdStartResult:
    """Seconds per kind, and per-round ratios named ``a/b``."""

    rounds: int
    seconds: dict[str, list[float]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # In-process phases per kind: seconds to import, seconds to build the client after import.
    import_seconds: dict[str, list[float]] = field(default_factory=dict)
    client_seconds: dict[str, list[float]] = field(default_factory=dict)
    # Full (generation 2) garbage collections that ran before the handler was ready.
    full_collections: dict[str, list[int]] = field(default_factory=dict)

    def summary(self, name: str) -> Summary:
        return summarize(self.ratios[name] if "/" in name else self.seconds[name])


def _time_once(kind: str) -> tuple[float, float, float, int]:
    """Wall seconds from spawn to ``ready``, and the probe's own import and client seconds."""
    env = child_env(PYTHONDONTWRITEBYTECODE="")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, PROBE, kind],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    _, stderr = proc.communicate(timeout=60)
    words = line.split()
    if len(words) != 4 or words[0] != "ready" or proc.returncode != 0:
        raise RuntimeError(
            f"cold start probe {kind!r} failed (exit {proc.returncode}): {stderr.strip()[-500:]}"
        )
    return elapsed, float(words[1]), float(words[2]), int(words[3])


def run(rounds: int, *, warmup: int = 2, seed: int = 5) -> ColdStartResult:
    """Measure ``rounds`` rounds of every kind after ``warmup`` unrecorded rounds (bytecode, disk cache).

    A kind whose probe fails (for instance, our handler not written yet) is recorded in ``errors`` and
    left out. Default: warmup 2, seed 5.
    """
    result = ColdStartResult(rounds)
    kinds = list(KINDS)
    for kind in list(kinds):
        try:
            _time_once(kind)
        except RuntimeError as exc:
            result.errors[kind] = str(exc)
            kinds.remove(kind)
    rng = random.Random(seed)
    for round_index in range(warmup + rounds):
        order = kinds[:]
        rng.shuffle(order)
        times = {kind: _time_once(kind) for kind in order}
        if round_index < warmup:
            continue
        for kind, (seconds, imported, client, collections) in times.items():
            result.full_collections.setdefault(kind, []).append(collections)
            result.seconds.setdefault(kind, []).append(seconds)
            result.import_seconds.setdefault(kind, []).append(imported)
            result.client_seconds.setdefault(kind, []).append(client)
        for a, b in (
            ("ours", "boto3"),
            ("crhelper", "boto3"),
            ("ours", "crhelper"),
            ("ours-import", "boto3"),
        ):
            if a in times and b in times:
                result.ratios.setdefault(f"{a}/{b}", []).append(times[a][0] / times[b][0])
    return result

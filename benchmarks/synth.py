"""Synth: wall time and peak memory per N, template weight per pool, the largest N that deploys, and the
jsii round trips a further pool costs.

Every synth runs ``synth_app.py`` in a fresh process (the Python app and its jsii Node.js child), the
two kinds interleaved and alternating which goes first. Template facts do not vary between runs, so
they are read from the first run of each (kind, N).

    python -m benchmarks --sections synth   # this section only (writes benchmarks/.work/RESULTS.partial.md)
    python -m benchmarks.synth              # only the round trips per further pool, printed
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import asset, proctree, templates
from .env import BENCH, REPO, WORK, child_env, isolate
from .stats import Summary, summarize

KINDS = ("ours", "acr")
LABELS = {"ours": "PoolSettings", "acr": "AwsCustomResource"}
APP = str(BENCH / "synth_app.py")


class SynthError(RuntimeError):
    """A synth that exited non-zero; the message carries the end of its stderr."""


@dataclass
class Limit:
    """The largest N a kind deploys within every limit, what binds it, and how it was verified."""

    estimate: int
    binding: str
    per_limit: dict[str, int]
    verified_ok: bool | None = None
    verified_next_fails: bool | None = None
    verify_notes: list[str] = field(default_factory=list)


@dataclass
class SynthResult:
    """Everything the synth section measured."""

    sizes: list[int]
    seconds: dict[tuple[str, int], list[float]] = field(default_factory=dict)
    peak_rss: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    # In-process phase seconds per run: import, declare, synth (see synth_app.build).
    phases: dict[tuple[str, int], list[dict[str, float]]] = field(default_factory=dict)
    facts: dict[tuple[str, int], templates.TemplateFacts] = field(default_factory=dict)
    assets: dict[str, list[asset.AssetSize]] = field(default_factory=dict)
    lambda_timeout: int | None = None
    limits: dict[str, Limit] = field(default_factory=dict)
    # Requests to jsii's Node.js process per further pool, declare and synth (see round_trips).
    round_trips: dict[str, float] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def time_ratio(self, n: int) -> Summary:
        """ours/acr wall time, paired by repeat."""
        ours, acr = self.seconds[("ours", n)], self.seconds[("acr", n)]
        return summarize([a / b for a, b in zip(ours, acr, strict=False)])

    def memory_ratio(self, n: int) -> Summary:
        ours, acr = self.peak_rss[("ours", n)], self.peak_rss[("acr", n)]
        return summarize([a / b for a, b in zip(ours, acr, strict=False)])

    def per_pool(self, kind: str, metric: str) -> float:
        """Growth of ``metric`` (a TemplateFacts attribute) per pool from the smallest N to the largest."""
        xs = [n for n in self.sizes if (kind, n) in self.facts]
        ys = [float(getattr(self.facts[(kind, n)], metric)) for n in xs]
        return (ys[-1] - ys[0]) / (xs[-1] - xs[0])

    def segments(self, kind: str, metric: str) -> list[tuple[int, int, float]]:
        """Growth of ``metric`` per pool between each pair of consecutive sizes: (from N, to N, growth)."""
        xs = [n for n in self.sizes if (kind, n) in self.facts]
        ys = [float(getattr(self.facts[(kind, n)], metric)) for n in xs]
        return [(xs[i], xs[i + 1], (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])) for i in range(len(xs) - 1)]


def synth_once(kind: str, pools: int, outdir: Path) -> proctree.Run:
    """Synthesize ``pools`` pools of ``kind`` into ``outdir`` in a fresh process; raises SynthError."""
    shutil.rmtree(outdir, ignore_errors=True)
    run = proctree.run(
        [sys.executable, APP, "--kind", kind, "--pools", str(pools), "--outdir", str(outdir)],
        env=child_env(),
        cwd=str(REPO),
    )
    if run.returncode != 0:
        tail = "\n".join(line for line in run.stderr.splitlines() if "!!" not in line)[-800:]
        raise SynthError(f"synth of {pools} {LABELS[kind]} failed (exit {run.returncode}): {tail}")
    return run


# The pool counts whose difference round_trips divides: the first pool also creates the provider.
ROUND_TRIP_POOLS = (1, 21)


def _requests(kind: str, pools: int, outdir: Path) -> int:
    """How many requests the app sends to its jsii Node.js process to declare and synthesize ``pools``."""
    shutil.rmtree(outdir, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, APP, "--kind", kind, "--pools", str(pools), "--outdir", str(outdir)],
        env=child_env(JSII_DEBUG="1"),
        cwd=str(REPO),
        capture_output=True,
        text=True,
        check=False,
    )
    shutil.rmtree(outdir, ignore_errors=True)
    if done.returncode != 0:
        raise SynthError(f"synth of {pools} {LABELS[kind]} with JSII_DEBUG failed (exit {done.returncode})")
    return sum(1 for line in done.stderr.splitlines() if line.startswith("> "))


def round_trips(kind: str) -> float | None:
    """Round trips to jsii per further pool of ``kind``: the requests of 21 pools minus 1 pool's, over 20.

    Counted from the trace the jsii runtime writes to stderr under ``JSII_DEBUG=1``, one ``> `` line per
    request from the app (a debugging aid of jsii, read by this benchmark only, never by a test). The
    count is exact and does not vary between runs. None when the trace shows no request (its format
    changed).
    """
    small, large = ROUND_TRIP_POOLS
    work = WORK / "synth"
    counts = [_requests(kind, n, work / f"trips-{kind}-{n}") for n in (small, large)]
    if not counts[0]:
        return None
    return (counts[1] - counts[0]) / (large - small)


def _phases(stdout: str) -> dict[str, float]:
    for line in stdout.splitlines():
        if line.startswith("phases "):
            return {k: float(v) for k, v in json.loads(line[len("phases ") :]).items()}
    return {}


def _facts(outdir: Path) -> templates.TemplateFacts:
    return templates.analyze(outdir / "Bench.template.json")


def _lambda_timeout(outdir: Path) -> int | None:
    resources = json.loads((outdir / "Bench.template.json").read_text())["Resources"]
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Lambda::Function" and props.get("Handler", "").startswith(
            "pool_settings"
        ):
            return int(props.get("Timeout", 3))
    return None


def _estimate(result: SynthResult, kind: str) -> Limit:
    """Solve each limit for N from the per-pool growth measured across the sizes."""
    xs = [n for n in result.sizes if (kind, n) in result.facts]
    facts = [result.facts[(kind, n)] for n in xs]
    series = {
        f"{templates.MAX_RESOURCES} resources": ([f.resources for f in facts], templates.MAX_RESOURCES),
        "1 MB template": ([f.template_bytes for f in facts], templates.MAX_TEMPLATE_BYTES),
        f"IAM {templates.MAX_ROLE_INLINE_CHARS:,} inline chars per role": (
            [f.max_role_inline_chars for f in facts],
            templates.MAX_ROLE_INLINE_CHARS,
        ),
        f"IAM {templates.MAX_MANAGED_POLICIES_PER_ROLE} managed policies per role": (
            [max((r.managed_policies for r in f.roles.values()), default=0) for f in facts],
            templates.MAX_MANAGED_POLICIES_PER_ROLE,
        ),
    }
    per_limit = {}
    for name, (ys, limit) in series.items():
        # Growth need not be linear (a policy may switch to a pattern past some N): extrapolate from
        # the two largest sizes, the regime that holds where the limits bind.
        slope = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
        if slope > 1e-9:
            per_limit[name] = math.floor(xs[-1] + (limit - ys[-1]) / slope + 1e-9)
    binding = min(per_limit, key=lambda name: per_limit[name])
    return Limit(per_limit[binding], binding, per_limit)


def _verify(kind: str, limit: Limit, work: Path) -> None:
    """Synthesize at the estimate (and one more) and check the limits, stepping down if needed."""
    n = limit.estimate
    for _ in range(4):
        outdir = work / f"verify-{kind}-{n}"
        try:
            synth_once(kind, n, outdir)
            facts = _facts(outdir)
            problems = facts.violations()
        except SynthError as exc:
            problems = [str(exc).splitlines()[-1][:200]]
        shutil.rmtree(outdir, ignore_errors=True)
        if not problems:
            break
        limit.verify_notes.append(f"N={n}: {'; '.join(problems)}")
        n = max(1, n - max(1, n // 50))
    else:
        limit.verified_ok = False
        return
    limit.verified_ok = True
    limit.estimate = n
    outdir = work / f"verify-{kind}-{n + 1}"
    try:
        synth_once(kind, n + 1, outdir)
        problems = _facts(outdir).violations()
    except SynthError as exc:
        problems = [str(exc).splitlines()[-1][:200]]
    shutil.rmtree(outdir, ignore_errors=True)
    limit.verified_next_fails = bool(problems)
    limit.verify_notes.append(f"N={n + 1}: {'; '.join(problems) if problems else 'within every limit'}")


def run(
    sizes: list[int], repeats: int, *, verify: bool = True, kinds: tuple[str, ...] = KINDS
) -> SynthResult:
    """Run the synth section: ``repeats`` interleaved rounds over ``sizes``, then the limits.

    A kind that cannot synthesize (for instance, the construct not written yet) is recorded in
    ``errors`` and left out. Default: verify True, both kinds.
    """
    result = SynthResult(sorted(sizes))
    work = WORK / "synth"
    work.mkdir(parents=True, exist_ok=True)
    active = list(kinds)
    for repeat in range(repeats):
        for index, n in enumerate(result.sizes):
            order = active if (repeat + index) % 2 == 0 else active[::-1]
            for kind in order:
                if kind in result.errors:
                    continue
                outdir = work / f"{kind}-{n}"
                try:
                    measured = synth_once(kind, n, outdir)
                except SynthError as exc:
                    result.errors[kind] = str(exc)
                    continue
                result.seconds.setdefault((kind, n), []).append(measured.seconds)
                result.peak_rss.setdefault((kind, n), []).append(measured.peak_rss)
                result.phases.setdefault((kind, n), []).append(_phases(measured.stdout))
                if (kind, n) not in result.facts:
                    result.facts[(kind, n)] = _facts(outdir)
                    if n == result.sizes[0]:
                        result.assets[kind] = asset.measure(outdir)
                        if kind == "ours":
                            result.lambda_timeout = _lambda_timeout(outdir)
                shutil.rmtree(outdir, ignore_errors=True)
    for kind in active:
        if kind in result.errors:
            continue
        try:
            trips = round_trips(kind)
        except SynthError as exc:
            result.errors[f"{kind} round trips"] = str(exc)
            trips = None
        if trips is not None:
            result.round_trips[kind] = trips
        if len([n for n in result.sizes if (kind, n) in result.facts]) < 2:
            continue
        result.limits[kind] = _estimate(result, kind)
        if verify:
            _verify(kind, result.limits[kind], work)
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the round trips to jsii per further pool of each kind (``python -m benchmarks.synth``)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.synth", description=main.__doc__)
    parser.parse_args(argv)
    isolate()
    (WORK / "synth").mkdir(parents=True, exist_ok=True)
    for kind in KINDS:
        trips = round_trips(kind)
        measured = f"{trips:.1f}" if trips is not None else "unknown (no JSII_DEBUG trace)"
        print(f"{LABELS[kind]}: {measured} round trips to jsii per further pool (declare and synth)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

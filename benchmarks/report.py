"""Write RESULTS.md from what the sections measured: the figures, the targets, and why any is missed.

Every sentence that states a figure takes it from the run, so the file cannot drift from the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sms_pool_settings._asset import ASSET_ZIPPED_BUDGET as MAX_ASSET_BYTES  # the one budget, in bytes

from . import templates
from .coldstart import ColdStartResult
from .events import HANDLERS, SCENARIOS, EventsResult
from .events import LABELS as EVENT_LABELS
from .model import Modelled, burst_bound
from .scale import LABELS as SCALE_LABELS
from .scale import ScaleResult, ScaleRun
from .stats import summarize
from .synth import LABELS, SynthResult

# The targets.
MAX_TEMPLATE_BYTES_PER_POOL = 500
RESOURCES_PER_POOL = 1
MIN_POOLS_PER_STACK = 490
MAX_COLD_START_RATIO = 1.05
MAX_DELETE_SECONDS = 1.0
MAX_CALL_RATIO = 1.5  # API calls, throttled included, over the minimum of 2 per update
MAX_SCALE_TIME_RATIO = 1.15  # wall time over updates / rate
SCALE_OPERATIONS = ("DescribePools", "UpdatePool")
X = "\N{MULTIPLICATION SIGN}"


@dataclass
class Results:
    """What one run measured; a section that did not run is None."""

    command: str
    quick: bool
    machine: dict[str, str]
    synth: SynthResult | None = None
    coldstart: ColdStartResult | None = None
    events: EventsResult | None = None
    scale: ScaleResult | None = None
    errors: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    revision: str = "unknown"
    # The synth row of the last full run's RESULTS.md, (code measured, ours/ACR medians), for comparison.
    previous_synth: tuple[str, str] | None = None


@dataclass
class Target:
    name: str
    measured: str
    met: bool | None  # None: not measured in this run
    why: str = ""


def _kb(n: float) -> str:
    return f"{n / 1000:.1f} KB"


def _mib(n: float) -> str:
    return f"{n / 1024 / 1024:.0f} MiB"


def _ok(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


# --- targets ------------------------------------------------------------------------------------


def targets(r: Results) -> list[Target]:
    """Each of the issue's targets with the figure measured against it."""
    found: list[Target] = []
    ev = r.events
    if ev and ("Update, nothing changed", "ours") in ev.samples:
        writes = ev.writes("Update, nothing changed", "ours")
        found.append(
            Target(
                "0 writes on an Update with nothing changed and no drift",
                f"{writes.high:.0f} writes (max of {writes.count})",
                writes.high == 0,
            )
        )
        delete = ev.seconds("Delete", "ours")
        found.append(
            Target(
                f"Delete under {MAX_DELETE_SECONDS:.0f} s",
                f"{delete.high * 1000:.1f} ms (max of {delete.count})",
                delete.high < MAX_DELETE_SECONDS,
            )
        )
    else:
        found.append(Target("0 writes on an Update with nothing changed and no drift", "-", None))
        found.append(Target(f"Delete under {MAX_DELETE_SECONDS:.0f} s", "-", None))
    sy = r.synth
    have_ours = bool(sy and len([n for n in sy.sizes if ("ours", n) in sy.facts]) >= 2)
    if sy and have_ours:
        per_pool = sy.per_pool("ours", "template_bytes")
        segments = sy.segments("ours", "template_bytes")
        spread = ""
        if max(g for *_, g in segments) - min(g for *_, g in segments) > 0.1 * per_pool:
            spread = " (between N: " + ", ".join(f"{a}→{b}: {g:.0f}" for a, b, g in segments) + ")"
        found.append(
            Target(
                f"Template ≤ {MAX_TEMPLATE_BYTES_PER_POOL} bytes per pool",
                f"{per_pool:.0f} bytes, N={segments[0][0]}→{segments[-1][1]}{spread}",
                per_pool <= MAX_TEMPLATE_BYTES_PER_POOL,
            )
        )
        resources = sy.per_pool("ours", "resources")
        found.append(
            Target(
                f"{RESOURCES_PER_POOL} CloudFormation resource per pool",
                f"{resources:.2f}",
                round(resources, 2) <= RESOURCES_PER_POOL,
            )
        )
    else:
        found.append(Target(f"Template ≤ {MAX_TEMPLATE_BYTES_PER_POOL} bytes per pool", "-", None))
        found.append(Target(f"{RESOURCES_PER_POOL} CloudFormation resource per pool", "-", None))
    limit = sy.limits.get("ours") if sy else None
    if limit:
        verified = {True: ", verified by synth", False: ", NOT verified", None: ", estimate only"}[
            limit.verified_ok
        ]
        found.append(
            Target(
                f"≥ {MIN_POOLS_PER_STACK} pools per stack",
                f"{limit.estimate} ({limit.binding}{verified})",
                limit.estimate >= MIN_POOLS_PER_STACK and limit.verified_ok is not False,
            )
        )
    else:
        found.append(Target(f"≥ {MIN_POOLS_PER_STACK} pools per stack", "-", None))
    ours_assets = sy.assets.get("ours") if sy else None
    if ours_assets:
        zipped = sum(a.zipped_bytes for a in ours_assets)
        found.append(
            Target(
                f"Zipped asset ≤ {_kb(MAX_ASSET_BYTES)}",
                f"{zipped:,} bytes ({_kb(zipped)})",
                zipped <= MAX_ASSET_BYTES,
            )
        )
    else:
        found.append(Target(f"Zipped asset ≤ {_kb(MAX_ASSET_BYTES)}", "-", None))
    cs = r.coldstart
    if cs and "ours/boto3" in cs.ratios:
        ratio = cs.summary("ours/boto3")
        found.append(
            Target(
                f"Cold start ≤ {MAX_COLD_START_RATIO}{X} a bare boto3 client's",
                f"{ratio.format(X)} (median of {ratio.count} pairs)",
                ratio.median <= MAX_COLD_START_RATIO,
            )
        )
    else:
        found.append(Target(f"Cold start ≤ {MAX_COLD_START_RATIO}{X} a bare boto3 client's", "-", None))
    if sy and have_ours and all(("acr", n) in sy.seconds for n in sy.sizes):
        ratios = {n: sy.time_ratio(n).median for n in sy.sizes}
        worst = max(ratios, key=lambda n: ratios[n])
        found.append(
            Target(
                SYNTH_TARGET,
                "ours/ACR median " + ", ".join(f"N={n}: {v:.2f}{X}" for n, v in ratios.items()),
                ratios[worst] <= 1.0,
            )
        )
    else:
        found.append(Target(SYNTH_TARGET, "-", None))
    found += _scale_targets(r.scale)
    return found


def _scale_targets(sc: ScaleResult | None) -> list[Target]:
    """The issue-15 targets at the largest N measured, for the handler's default policy."""
    names = [
        f"API calls (throttled included) ≤ {MAX_CALL_RATIO}{X} the minimum, N concurrent Updates",
        f"Wall time ≤ {MAX_SCALE_TIME_RATIO}{X} the ideal, N concurrent Updates",
        "N/N SUCCESS within the Lambda timeout, N concurrent Updates",
    ]
    runs = [run for run in sc.runs if run.policy == "default" and not run.lanes] if sc else []
    if not sc or not runs:
        return [Target(name, "-", None) for name in names]
    run = max(runs, key=lambda one: one.updates)
    before = sc.find(run.updates, "before")
    was = (
        f"; before: {before.call_ratio:.2f}{X}, {sc.ratio(before):.2f}{X},"
        f" {before.successes}/{before.updates}"
        if before
        else ""
    )
    return [
        Target(
            names[0].replace("N concurrent", f"N={run.updates} concurrent"),
            f"{run.call_ratio:.2f}{X} ({run.total_calls} for {run.minimum_calls}){was}",
            run.call_ratio <= MAX_CALL_RATIO,
        ),
        Target(
            names[1].replace("N concurrent", f"N={run.updates} concurrent"),
            f"{sc.ratio(run):.2f}{X} ({run.seconds:.0f} s for {sc.ideal(run.updates):.0f} s)",
            sc.ratio(run) <= MAX_SCALE_TIME_RATIO,
        ),
        Target(
            names[2]
            .replace("N/N", f"{run.updates}/{run.updates}")
            .replace("N concurrent", f"N={run.updates} concurrent"),
            f"{run.successes}/{run.updates}",
            run.successes == run.updates,
        ),
    ]


# --- sections -----------------------------------------------------------------------------------


def _machine(r: Results) -> list[str]:
    lines = ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in r.machine.items()]
    lines += [
        f"| Code measured | {r.revision} |",
        f"| Command | `{r.command}` |",
        f"| Run time | {r.seconds / 60:.1f} min |",
        "",
    ]
    return lines


def _targets(r: Results) -> list[str]:
    lines = ["## Targets", "", "| Target | Measured | Result |", "|---|---|---|"]
    lines += [f"| {t.name} | {t.measured} | {_ok(t.met)} |" for t in targets(r)]
    return [*lines, ""]


def _synth(sy: SynthResult, previous: tuple[str, str] | None = None) -> list[str]:
    lines = [
        "## Synth",
        "",
        "Each synth is `python benchmarks/synth_app.py` in a fresh process (the Python app and its jsii",
        "Node.js child); the two kinds are interleaved, alternating which goes first. Peak memory is the",
        "largest sum of RSS over the process tree, sampled every 20 ms. Ratios are ours/AwsCustomResource",
        "within a round. Both apps apply the feature flags of the repository's `cdk.json`.",
        "",
        *(
            [
                f"The previous full run (code {previous[0]}) measured {previous[1]}; ratios of two runs are",
                "comparable where single times are not, each being measured side by side within its run.",
                "",
            ]
            if previous
            else []
        ),
        "| N | Kind | Wall time | Peak memory (tree) | Time ratio | Memory ratio |",
        "|---:|---|---|---|---|---|",
    ]
    for n in sy.sizes:
        for kind in ("ours", "acr"):
            if (kind, n) not in sy.seconds:
                continue
            secs = summarize(sy.seconds[(kind, n)])
            rss = summarize([float(x) for x in sy.peak_rss[(kind, n)]])
            both = ("ours", n) in sy.seconds and ("acr", n) in sy.seconds
            tr = sy.time_ratio(n).format(X) if both and kind == "ours" else ""
            mr = sy.memory_ratio(n).format(X) if both and kind == "ours" else ""
            mem = f"{_mib(rss.median)} ({_mib(rss.low)}-{_mib(rss.high)})"
            lines.append(f"| {n} | {LABELS[kind]} | {secs.format(' s')} | {mem} | {tr} | {mr} |")
    lines += ["", "### Template weight", ""]
    lines += [
        "| N | Kind | Template bytes | Resources | IAM policy chars | Largest role's inline chars |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in sy.sizes:
        for kind in ("ours", "acr"):
            f = sy.facts.get((kind, n))
            if f:
                lines.append(
                    f"| {n} | {LABELS[kind]} | {f.template_bytes:,} | {f.resources} | "
                    f"{f.iam_policy_chars:,} | {f.max_role_inline_chars:,} |"
                )
    lines += [
        "",
        "Per pool: growth from the smallest N to the largest, then between consecutive N (growth need not",
        "be linear: a provider policy may list each pool's ARN up to a budget, then switch to a pattern).",
        "",
        "| Kind | Template bytes | of which the custom resource | Resources | IAM policy chars |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind in ("ours", "acr"):
        if len([n for n in sy.sizes if (kind, n) in sy.facts]) >= 2:
            lines.append(
                f"| {LABELS[kind]} | {sy.per_pool(kind, 'template_bytes'):.0f} | "
                f"{sy.per_pool(kind, 'custom_bytes'):.0f} | {sy.per_pool(kind, 'resources'):.2f} | "
                f"{sy.per_pool(kind, 'iam_policy_chars'):.0f} |"
            )
    lines += ["", "| Kind | N | Template bytes per pool | IAM policy chars per pool |", "|---|---|---:|---:|"]
    for kind in ("ours", "acr"):
        if len([n for n in sy.sizes if (kind, n) in sy.facts]) >= 2:
            chars = sy.segments(kind, "iam_policy_chars")
            for (a, b, growth), (_, _, iam) in zip(sy.segments(kind, "template_bytes"), chars, strict=True):
                lines.append(f"| {LABELS[kind]} | {a}→{b} | {growth:.0f} | {iam:.0f} |")
    phases = [(key, runs) for key, runs in sy.phases.items() if runs and runs[0]]
    if phases:
        lines += [
            "",
            "Where a synth's time goes (medians, seconds, measured inside the app process: `import` is",
            "aws-cdk-lib and the jsii kernel, `declare` builds the constructs, `synth` is `app.synth()`):",
            "",
            "| N | Kind | import | declare | synth |",
            "|---:|---|---:|---:|---:|",
        ]
        for n in sy.sizes:
            for kind in ("ours", "acr"):
                runs = [p for p in sy.phases.get((kind, n), []) if p]
                if runs:
                    cells = " | ".join(
                        f"{summarize([p[k] for p in runs]).median:.2f}"
                        for k in ("import", "declare", "synth")
                    )
                    lines.append(f"| {n} | {LABELS[kind]} | {cells} |")
    largest = max(sy.sizes)
    for kind in ("ours", "acr"):
        f = sy.facts.get((kind, largest))
        if f:
            kinds = ", ".join(f"{v} {k}" for k, v in sorted(f.resource_types.items()))
            lines.append(f"\nResources at N={largest}, {LABELS[kind]}: {kinds}.")
    lines += [
        "",
        "IAM characters are counted as IAM does: the policy after CloudFormation resolves it (partition",
        "`aws`, region `us-east-1`, a 12-digit account), without white space.",
        "",
        "### Largest N per stack",
        "",
        f"Limits: CloudFormation {templates.MAX_RESOURCES} resources and {templates.MAX_TEMPLATE_BYTES:,}"
        f" template bytes per stack; IAM {templates.MAX_ROLE_INLINE_CHARS:,} inline policy characters per"
        f" role, {templates.MAX_MANAGED_POLICY_CHARS:,} characters per managed policy and"
        f" {templates.MAX_MANAGED_POLICIES_PER_ROLE} managed policies per role. Each limit is solved for N"
        " from the growth between the two largest N; the smallest binds. The claim is then checked by"
        " synthesizing at N (it must pass every limit) and at N+1 (it should not).",
        "",
        "| Kind | Largest N | Binding limit | N by each limit | Verification |",
        "|---|---:|---|---|---|",
    ]
    for kind in ("ours", "acr"):
        limit = sy.limits.get(kind)
        if not limit:
            continue
        each = "; ".join(
            f"{name}: {n:,}" for name, n in sorted(limit.per_limit.items(), key=lambda kv: kv[1])
        )
        if limit.verified_ok is None:
            check = "not run (--quick)"
        else:
            check = (
                f"N={limit.estimate} {'passes' if limit.verified_ok else 'FAILS'}; "
                f"N+1 {'fails' if limit.verified_next_fails else 'passes'}. " + " / ".join(limit.verify_notes)
            )
        lines.append(f"| {LABELS[kind]} | {limit.estimate} | {limit.binding} | {each} | {check} |")
    lines += ["", "## Asset", "", "Each provider's code asset from cdk.out, zipped deterministically (sorted"]
    lines += ["entries, fixed timestamps, deflate level 9).", ""]
    lines += ["| Kind | Files | Raw bytes | Zipped bytes |", "|---|---:|---:|---:|"]
    for kind in ("ours", "acr"):
        for a in sy.assets.get(kind, []):
            lines.append(f"| {LABELS[kind]} | {a.files} | {a.raw_bytes:,} | {a.zipped_bytes:,} |")
    for a in sy.assets.get("ours", []):
        if a.parts:
            parts = ", ".join(f"`{k}` {v:,}" for k, v in sorted(a.parts.items(), key=lambda kv: -kv[1]))
            lines.append(f"\nPoolSettings' asset, each top-level entry zipped on its own: {parts} bytes.")
    if sy.errors:
        lines += ["", "Synth errors:", ""] + [f"- {LABELS[k]}: `{v[:300]}`" for k, v in sy.errors.items()]
    return [*lines, ""]


def _coldstart(cs: ColdStartResult) -> list[str]:
    labels = {
        "boto3": "bare `import boto3; boto3.client(...)`",
        "ours": "PoolSettings handler, imported and its client built",
        "ours-import": "PoolSettings handler, imported only",
        "crhelper": "crhelper defaults (`CfnResource()`) handler",
    }
    lines = [
        "## Cold start",
        "",
        f"Process start to handler ready, {cs.rounds} rounds after 2 unrecorded warm-up rounds; each",
        "round runs every kind once in a shuffled order, and ratios are taken within a round.",
        "Import and client are the probe's own phases, measured inside the process.",
        "",
        "| Kind | Wall time | Import | Client | Full GCs |",
        "|---|---|---|---|---|",
    ]
    for kind, label in labels.items():
        if kind in cs.seconds:
            ms = [1000 * s for s in cs.seconds[kind]]
            imp = summarize([1000 * s for s in cs.import_seconds[kind]])
            cli = summarize([1000 * s for s in cs.client_seconds[kind]])
            wall = summarize(ms).format(" ms", 1)
            gcs = summarize([float(n) for n in cs.full_collections[kind]]).median
            lines.append(
                f"| {label} | {wall} | {imp.format(' ms', 1)} | {cli.format(' ms', 1)} | {gcs:.0f} |"
            )
    lines += ["", "| Ratio | Median (min-max) |", "|---|---|"]
    for name in cs.ratios:
        lines.append(f"| {name} | {cs.summary(name).format(X, 3)} |")
    for kind, error in cs.errors.items():
        lines.append(f"\n{kind} could not be measured: `{error[:300]}`")
    return [*lines, ""]


def _events(ev: EventsResult) -> list[str]:
    lines = [
        "## Per event",
        "",
        f"Against the emulator with {ev.latency * 1000:.0f} ms injected on every API call, {ev.repeats} runs"
        " per cell, each on a freshly seeded pool; wall time from the invocation to the answer's arrival",
        "at the loopback HTTPS receiver. The AwsCustomResource-like handler",
        "(`benchmarks/baselines/acr_like.py`) does what AwsCustomResource's Lambda does: one `UpdatePool`",
        "with every declared parameter on Create and Update, nothing on Delete.",
        "",
        "| Event | Handler | API calls | Writes | Wall time | Answer |",
        "|---|---|---:|---:|---|---|",
    ]
    for scenario in SCENARIOS:
        for handler in HANDLERS:
            if (scenario, handler) not in ev.samples:
                continue
            calls, writes = ev.calls(scenario, handler), ev.writes(scenario, handler)
            ms = summarize([1000 * s.seconds for s in ev.samples[(scenario, handler)]])
            status = "/".join(sorted(ev.statuses(scenario, handler)))
            lines.append(
                f"| {scenario} | {EVENT_LABELS[handler]} | {calls.median:.0f} | {writes.median:.0f} | "
                f"{ms.format(' ms', 1)} | {status} |"
            )
    failed = [
        f"- {scenario}, {EVENT_LABELS[handler]}: {s.reason}"
        for (scenario, handler), samples in ev.samples.items()
        for s in samples[:1]
        if s.status != "SUCCESS"
    ]
    if failed:
        lines += ["", "Failed answers:", "", *failed]
    return [*lines, ""]


def _calls(run: ScaleRun) -> str:
    return " + ".join(f"{run.calls.get(op, 0)}" for op in SCALE_OPERATIONS)


def _throttled(run: ScaleRun) -> str:
    return " + ".join(f"{run.throttled.get(op, 0)}" for op in SCALE_OPERATIONS)


def _scale_row(sc: ScaleResult, run: ScaleRun, label: str) -> str:
    return (
        f"| {run.updates} | {label} | {run.successes} / {run.updates} | {run.seconds:.1f} s |"
        f" {sc.ratio(run):.2f}{X} | {_calls(run)} | {run.calls_per_update:.2f} | {run.call_ratio:.2f}{X} |"
        f" {_throttled(run)} |"
    )


def _modelled_row(label: str, m: Modelled, rate: float) -> str:
    return f"| {label} | {m.calls} | {m.call_ratio:.2f}{X} | {m.seconds:.1f} s | {m.ratio(rate):.2f}{X} |"


def _scale(sc: ScaleResult) -> list[str]:
    sizes = sorted({run.updates for run in sc.runs if not run.lanes})
    lines = [
        "## Scale",
        "",
        "Concurrent Updates, each changing one setting of its own pool (one `DescribePools` and one"
        " `UpdatePool` needed, so the minimum is 2 calls per update), against the emulator limited to"
        f" {sc.rate:g} request/s per operation with {sc.latency * 1000:.0f} ms added per call. Each"
        " invocation runs in its own process, forked from a server that has imported the handler (as each"
        " Lambda invocation has its own execution environment: they share only the quota), with its own"
        f" LambdaContext of {sc.timeout:.0f} s (the construct's Lambda timeout); all start at one barrier."
        " The two handlers are the same code with different `POOL_SETTINGS_BACKOFF_*` variables (the"
        " earlier defaults, and today's defaults), run one after the other at each N, alternating which"
        f" goes first. Ideal = updates / rate. Calls and throttled calls are `DescribePools + UpdatePool`.",
        "",
        "| N | Handler | Successes | Wall time | Ratio to ideal | API calls (incl. throttled) |"
        " Calls per update | Calls / minimum | Throttled |",
        "|---:|---|---|---|---|---|---:|---:|---|",
    ]
    for n in sizes:
        for policy, label in SCALE_LABELS.items():
            run = sc.find(n, policy)
            if run:
                lines.append(_scale_row(sc, run, label))
    pairs = [(n, sc.find(n, "before"), sc.find(n, "default")) for n in sizes]
    ratios = [
        f"N={n}: calls {new.total_calls / old.total_calls:.2f}{X},"
        f" wall time {new.seconds / old.seconds:.2f}{X}"
        for n, old, new in pairs
        if old and new and old.total_calls and old.seconds
    ]
    if ratios:
        lines += ["", "Default over before, same run: " + "; ".join(ratios) + "."]
    failures = [(run, reason, k) for run in sc.runs for reason, k in run.failures.most_common(3)]
    if failures:
        lines += ["", "Failures:", ""] + [
            f"- N={run.updates} {run.policy}: {k} {X} {reason}" for run, reason, k in failures
        ]
    lanes = [run for run in sc.runs if run.lanes]
    if lanes:
        lines += [
            "",
            "### Lanes: CloudFormation pacing the work (prototype)",
            "",
            "The same Updates split into chains, as `DependsOn` between `PoolSettings` would make"
            " CloudFormation run them; a chain is one process (a warm container) that runs its invocations"
            " one after another, waiting the stated overhead between an answer and the next invocation."
            " The overhead stands in for CloudFormation's own time between one resource completing and"
            " the next starting, which AWS does not document: see the model below for other values.",
            "",
            "| N | Chains | Overhead | Successes | Wall time | Ratio to ideal | API calls (incl. throttled) |"
            " Calls per update | Calls / minimum | Throttled |",
            "|---:|---:|---|---|---|---|---|---:|---:|---|",
        ]
        for run in lanes:
            row = _scale_row(sc, run, "").split("|")
            lines.append("|".join([row[0], row[1], f" {run.lanes} ", f" {run.overhead:g} s ", *row[3:]]))
    if sc.model:
        lines += _model(sc, sizes)
    return [*lines, ""]


def _model(sc: ScaleResult, sizes: list[int]) -> list[str]:
    m = sc.model
    assert m is not None
    largest = max(sizes)
    lines = [
        "",
        "### Model",
        "",
        "`benchmarks/model.py` replays the emulator's token bucket (burst 1 per operation) in simulated"
        " time with the handler's own `pacing.retry_delay`, averaged over 3 seeds. Next to the"
        " measurement above, it says how far it can be trusted:",
        "",
        "| N | Handler | Modelled calls / minimum | Measured | Modelled ratio to ideal | Measured |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in sizes:
        for policy, label in SCALE_LABELS.items():
            modelled, run = m.policies.get((policy, n)), sc.find(n, policy)
            if modelled and run:
                lines.append(
                    f"| {n} | {label} | {modelled.call_ratio:.2f}{X} | {run.call_ratio:.2f}{X} |"
                    f" {modelled.ratio(sc.rate):.2f}{X} | {sc.ratio(run):.2f}{X} |"
                )
    lines += [
        "",
        f"Other backoff policies at N={largest} (the ceiling doubles from the first figure to the second;"
        " full jitter draws the wait from 0 to the ceiling, ¼-floor from a quarter of it):",
        "",
        "| Policy | Calls | Calls / minimum | Wall time | Ratio to ideal |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [_modelled_row(label, mm, sc.rate) for label, mm in m.frontier.items()]
    lines += [
        "",
        "The *oracle* is the best policy that draws its slots at random (the invocations start alike and"
        " share nothing, so their retries cannot be told apart but by chance) when it is also told, at every"
        " slot, how many invocations still wait: each waiting one calls in that slot with probability"
        " x / waiting, with the best x for the time limit; only its `DescribePools` calls are throttled.",
        "",
        "| N | Time limit | Best x | Calls | Calls / minimum | Ratio to ideal |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for (n, limit), found in m.oracle.items():
        if found:
            x, mm = found
            lines.append(
                f"| {n} | ≤ {limit:.2f}{X} | {x:.1f} | {mm.calls} | {mm.call_ratio:.2f}{X} |"
                f" {mm.ratio(sc.rate):.2f}{X} |"
            )
    counts = sorted({k for k, _ in m.lanes})
    overheads = sorted({o for _, o in m.lanes})
    lines += [
        "",
        f"Lanes at N={largest} with the handler's default policy, calls / minimum and ratio to ideal, by"
        " number of chains (rows) and CloudFormation's overhead per resource (columns):",
        "",
        "| Chains | " + " | ".join(f"{o:g} s" for o in overheads) + " |",
        "|---:|" + "---|" * len(overheads),
    ]
    for k in counts:
        cells = [m.lanes[(k, o)] for o in overheads]
        lines.append(
            f"| {k} | "
            + " | ".join(f"{c.call_ratio:.2f}{X}, {c.ratio(sc.rate):.2f}{X}" for c in cells)
            + " |"
        )
    return lines


def _analysis(r: Results) -> list[str]:
    """For each missed target, the figures that say why."""
    lines = ["## Why a target is missed", ""]
    missed = [t for t in targets(r) if t.met is False]
    sy, cs = r.synth, r.coldstart
    caveats = _caveats(r)
    if not missed:
        return [*lines, "No target is missed in this run.", "", *caveats]
    for t in missed:
        lines.append(f"- **{t.name}** ({t.measured}).")
        if t.name.startswith("Template") and sy:
            total = sy.per_pool("ours", "template_bytes")
            custom = sy.per_pool("ours", "custom_bytes")
            largest = max(n for n in sy.sizes if ("ours", n) in sy.facts)
            parts = sy.facts[("ours", largest)].custom_parts
            biggest = ", ".join(
                f"`{k}` {v:.0f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v >= 10
            )
            lines.append(
                f"  Of {total:.0f} bytes per pool, the `Custom::SmsPoolSettings` resource takes {custom:.0f}"
                f" and the remaining {total - custom:.0f} is the pool's ARN in the provider's IAM policy"
                " (an indented `Fn::Join` of partition, region and account). The resource's parts, in bytes"
                f" as CDK writes them (indented, key and separators included): {biggest}."
                " The template is uploaded as written, so every byte counts against the 1 MB limit."
            )
        elif t.name.startswith("≥") and sy and "ours" in sy.limits:
            limit = sy.limits["ours"]
            chars = sy.per_pool("ours", "iam_policy_chars")
            lines.append(
                f"  The binding limit is {limit.binding}: each pool adds {chars:.0f} IAM characters (its"
                f" ARN in the provider role's inline policy), and IAM caps a role's inline policies at"
                f" {templates.MAX_ROLE_INLINE_CHARS:,} characters in total. Without it, N would be"
                f" {sorted(limit.per_limit.values())[1] if len(limit.per_limit) > 1 else '-'}."
            )
        elif t.name.startswith("Zipped") and sy and sy.assets.get("ours"):
            a = sy.assets["ours"][0]
            parts = ", ".join(f"`{k}` {v:,}" for k, v in sorted(a.parts.items(), key=lambda kv: -kv[1]))
            lines.append(
                f"  Zipped bytes by top-level entry: {parts}; crhelper's licence and notice must stay"
                " (Apache-2.0)."
            )
        elif t.name.startswith("Cold") and cs and "ours" in cs.seconds and "boto3" in cs.seconds:
            d_import = (
                summarize(cs.import_seconds["ours"]).median - summarize(cs.import_seconds["boto3"]).median
            )
            d_client = (
                summarize(cs.client_seconds["ours"]).median - summarize(cs.client_seconds["boto3"]).median
            )
            lines.append(
                "  Against the bare client, importing the handler (crhelper and our modules on top of"
                f" boto3) costs {d_import * 1000:+.1f} ms and building its client"
                f" {d_client * 1000:+.1f} ms (medians)."
            )
        elif t.name.startswith("Synth") and sy:
            for n in sy.sizes:
                ours = [p for p in sy.phases.get(("ours", n), []) if p]
                acr = [p for p in sy.phases.get(("acr", n), []) if p]
                if not ours or not acr or sy.time_ratio(n).median <= 1.0:
                    continue

                def median(runs: list[dict[str, float]], key: str) -> float:
                    return summarize([p[key] for p in runs]).median

                deltas = ", ".join(
                    f"{k} {median(ours, k) - median(acr, k):+.2f} s" for k in ("import", "declare", "synth")
                )
                ratio = sy.time_ratio(n)
                noise = (
                    " The min-max of the ratio spans 1.0: within this machine's noise."
                    if ratio.low < 1.0
                    else ""
                )
                lines.append(
                    f"  At N={n} ({ratio.format(X)}), ours minus AwsCustomResource by phase (medians):"
                    f" {deltas}.{noise}"
                )
            trips = sy.round_trips
            counted = (
                f"a further PoolSettings costs {trips['ours']:g} jsii round trips against"
                f" AwsCustomResource's {trips['acr']:g} (`python -m benchmarks.synth` counts them; the"
                " construct asks aws-cdk-lib through its public API only: Token.is_unresolved,"
                " Stack.format_arn, the construct tree)"
                if {"ours", "acr"} <= set(trips)
                else "the round trips per further pool were not counted (no JSII_DEBUG trace)"
            )
            lines.append(
                f"  Per pool, {counted}. The fixed part per app is the provider: our Python side imports"
                " aws-cdk-lib's `aws_lambda` module to declare a `Function` (AwsCustomResource declares its"
                " function inside Node.js; compare `python -X importtime -c 'import aws_cdk.aws_lambda'`),"
                " and synth stages and hashes the Python asset. Declaring the function as raw CloudFormation"
                " instead would hide it from cdk-nag's Lambda rules and lose CDK's `Function` wiring, a"
                " worse trade than about 0.2 s once per synth."
            )
        elif t.name.startswith(("API calls", "Wall time")) and r.scale:
            lines += _scale_why(r.scale, t.name.startswith("API calls"))
    return [*lines, "", *caveats]


def _scale_why(sc: ScaleResult, calls: bool) -> list[str]:
    """Why the default policy misses a scale target: the bounds the model puts on any policy."""
    runs = [run for run in sc.runs if run.policy == "default" and not run.lanes]
    if not runs:
        return []
    n = max(run.updates for run in runs)
    if not calls:
        run = max(runs, key=lambda one: one.updates)
        before = sc.find(n, "before")
        fitting = [m for m in (sc.model.frontier.values() if sc.model else []) if m.ratio(sc.rate) <= 1.15]
        cheapest = min((m.call_ratio for m in fitting), default=None)
        frontier = (
            f" In the model, the cheapest policy within {MAX_SCALE_TIME_RATIO}{X} makes {cheapest:.2f}{X}"
            " the minimum (Scale, Model)."
            if cheapest is not None
            else ""
        )
        earlier = (
            f" The earlier full jitter took {sc.ratio(before):.2f}{X} the ideal for"
            f" {before.call_ratio:.2f}{X} the minimum in calls; the default takes {sc.ratio(run):.2f}{X}"
            f" for {run.call_ratio:.2f}{X}."
            if before
            else ""
        )
        return [
            "  Fewer calls cost time: a wait long enough to keep an invocation off the quota also leaves"
            f" slots unused when the crowd thins.{frontier}{earlier}"
        ]
    lines = [
        f"  First round: all {n} invocations start together and none can know how many others run (each"
        " Lambda invocation has its own execution environment; the event carries no count), and"
        " delaying the first call would slow a deploy of one pool; so all but one first `DescribePools`"
        f" are throttled, {burst_bound(n):.2f}{X} the minimum before any retry is placed. Staying within"
        f" {MAX_CALL_RATIO}{X} would then need each of the {n - 1} throttled invocations to find a free"
        " slot at its first retry, with no way to know which slots the others chose."
    ]
    oracle = sc.model.oracle.get((n, MAX_SCALE_TIME_RATIO)) if sc.model else None
    if oracle:
        x, best = oracle
        lines.append(
            f"  Retries: drawn at random, they cost more even when the crowd is known; the oracle (Scale,"
            f" Model), told at every slot how many still wait, makes {best.call_ratio:.2f}{X} the minimum"
            f" within {MAX_SCALE_TIME_RATIO}{X} the ideal at N={n} (x = {x:.1f} calls per slot). Meeting the"
            " target takes a queue shared by the invocations, which the handler does not have and"
            " CloudFormation can provide (Scale, Lanes)."
        )
    lanes = [run for run in sc.runs if run.lanes]
    for run in lanes:
        lines.append(
            f"  Measured with {run.lanes} chain(s) and {run.overhead:g} s of CloudFormation overhead per"
            f" resource: {run.call_ratio:.2f}{X} the minimum in {sc.ratio(run):.2f}{X} the ideal,"
            f" {run.successes}/{run.updates} SUCCESS. AWS does not document CloudFormation's time between"
            " a resource completing and a dependent one starting, so the construct cannot pick the number"
            " of chains that matches the quota; the model's lanes table shows what a mismatch costs."
        )
    return lines


def _caveats(r: Results) -> list[str]:
    """Targets met only under a condition the figures show, said plainly."""
    sy = r.synth
    if not sy or len([n for n in sy.sizes if ("ours", n) in sy.facts]) < 2:
        return []
    bytes_segments = sy.segments("ours", "template_bytes")
    iam_segments = sy.segments("ours", "iam_policy_chars")
    listed = [
        (a, b, g) for (a, b, g), (_, _, iam) in zip(bytes_segments, iam_segments, strict=True) if iam > 0
    ]
    pattern = [
        (a, b, g) for (a, b, g), (_, _, iam) in zip(bytes_segments, iam_segments, strict=True) if iam <= 0
    ]
    if not listed or not pattern:
        return []
    per_arn = max(iam for *_, iam in iam_segments)
    return [
        "## Conditions on met targets",
        "",
        f"- **Template bytes per pool.** While the provider's policy lists each pool's ARN"
        f" (N={listed[0][0]}→{listed[-1][1]} here) a pool costs {listed[-1][2]:.0f} template bytes and"
        f" {per_arn:.0f} IAM characters; by N={pattern[-1][1]} the policy has switched to one ARN pattern for"
        " every pool (the construct's fallback past its inline-policy budget, with a synth-time warning), and"
        f" a pool adds only its custom resource, {sy.per_pool('ours', 'custom_bytes'):.0f} bytes."
        " The figure on the target row is the average over the whole range; the pools-per-stack figure"
        " relies on the same fallback, since IAM's inline limit would otherwise bind first.",
        "",
    ]


SYNTH_TARGET = "Synth no slower than AwsCustomResource (same run)"


def previous_synth(text: str) -> tuple[str, str] | None:
    """(code measured, the synth target's figures) of an earlier RESULTS.md, or None without them.

    Example:
        >>> previous_synth("| Code measured | 60bd0bb |\\n| " + SYNTH_TARGET + " | N=1: 1.02 | met |")
        ('60bd0bb', 'N=1: 1.02')
    """
    code = re.search(r"^\| Code measured \| ([^|]+?) \|", text, flags=re.M)
    synth = re.search(rf"^\| {re.escape(SYNTH_TARGET)} \| ([^|]+?) \|", text, flags=re.M)
    return (code.group(1), synth.group(1)) if code and synth else None


def render(r: Results) -> str:
    """The whole RESULTS.md."""
    mode = " (--quick: a smoke run, too few repeats to quote)" if r.quick else ""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{r.command}`{mode}. Do not edit by hand: run it again. Figures are medians with",
        "min-max in parentheses; ratios are ours over the baseline, measured side by side in the same run.",
        "",
        *_machine(r),
        *_targets(r),
        *_analysis(r),
    ]
    if r.synth:
        lines += _synth(r.synth, r.previous_synth)
    if r.coldstart:
        lines += _coldstart(r.coldstart)
    if r.events:
        lines += _events(r.events)
    if r.scale:
        lines += _scale(r.scale)
    if r.errors:
        lines += (
            ["## Sections that did not run", ""] + [f"- {k}: `{v[:400]}`" for k, v in r.errors.items()] + [""]
        )
    return "\n".join(lines)

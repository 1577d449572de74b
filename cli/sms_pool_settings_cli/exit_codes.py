"""The exit codes of ``sms-pool-settings``: one meaning each, so a CI gate can tell them apart.

``argparse`` exits 2 on a usage error, so drift found has a code of its own (3): a mistyped option can
never pass for "drift found" (or for "in sync"). Documented in ``docs/cli.md``.
"""

from typing import Final

OK: Final = 0
"""Success; for ``drift``: every managed setting of every resource matches its live pool."""

ERROR: Final = 1
"""Any failure: an unknown stack, access denied, throttled after the SDK's retries, a value that cannot
be determined, a missing ``[local]`` extra."""

USAGE: Final = 2
"""A usage error: an unknown option or subcommand, a missing ``--stack``, a bad ``--output``."""

DRIFT: Final = 3
"""``drift`` only: at least one managed setting differs from its live pool (and nothing failed)."""

__all__ = ["DRIFT", "ERROR", "OK", "USAGE"]

"""What the handler does at import to keep its cold start short (the time itself is in benchmarks/)."""

import subprocess
import sys

FRESH_IMPORT = (
    "import gc; from pool_settings_handler import handler; "
    "print(gc.get_freeze_count(), not handler.client._clients)"
)


def test_importing_the_handler_freezes_its_objects_and_builds_no_client_yet():
    # GIVEN a fresh interpreter (nothing else froze anything)
    # WHEN the Lambda runtime imports the handler module
    result = subprocess.run([sys.executable, "-c", FRESH_IMPORT], capture_output=True, text=True, check=True)

    # THEN the import-time objects are out of the collector's view, and no SMS client was built
    frozen, no_client = result.stdout.split()
    assert int(frozen) > 10_000
    assert no_client == "True"

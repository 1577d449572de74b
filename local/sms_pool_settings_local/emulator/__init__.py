"""An emulated AWS End User Messaging SMS (``pinpoint-sms-voice-v2``) pool API for local tests.

Run it in-process with ``EmulatorServer`` or as
``python -m sms_pool_settings_local.emulator --port 4566``; drive faults
and seed state with ``EmulatorControl``; ``EmulatorControl.enforce_iam(policies)`` authorizes every call
against IAM policies (``policies_for_role`` collects a role's policies from a CloudFormation template).
"""

from .control import EmulatorControl, EmulatorControlError
from .iam import policies_for_role
from .models import ACCOUNT_ID
from .server import EmulatorServer

__all__ = ["ACCOUNT_ID", "EmulatorControl", "EmulatorControlError", "EmulatorServer", "policies_for_role"]

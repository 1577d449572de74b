"""An emulated AWS End User Messaging SMS (``pinpoint-sms-voice-v2``) pool API for local tests.

Run it in-process with ``EmulatorServer`` or as ``python -m sms_emulator --port 4566``; drive faults
and seed state with ``EmulatorControl``.
"""

from .control import EmulatorControl, EmulatorControlError
from .models import ACCOUNT_ID
from .server import EmulatorServer

__all__ = ["ACCOUNT_ID", "EmulatorControl", "EmulatorControlError", "EmulatorServer"]

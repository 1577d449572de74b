"""CDK construct declaring an AWS End User Messaging SMS pool's settings.

``PoolSettings`` declares the settings (of a pool named by ID, ARN, ``CfnPool`` or ``PoolSelector.tag``);
``PoolSettingsProvider.configure`` sets up the stack's one
provider Lambda (VPC, role, memory, logs) for accounts with rules about Lambdas.
"""

from importlib.metadata import PackageNotFoundError, version

from ._provider import PoolSettingsProvider, ProviderOptions
from .construct import BoolArgument, PoolSettings
from .selector import PoolSelector

try:
    # One source: pyproject.toml's version, as installed (an editable install has it too).
    __version__ = version("sms-pool-settings")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BoolArgument",
    "PoolSelector",
    "PoolSettings",
    "PoolSettingsProvider",
    "ProviderOptions",
    "__version__",
]

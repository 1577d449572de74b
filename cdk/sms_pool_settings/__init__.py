"""CDK construct declaring an AWS End User Messaging SMS pool's settings."""

from .construct import PoolSettings

__all__ = ["PoolSettings"]

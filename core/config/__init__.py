"""Configuration: typed settings, the layered loader and credentials from the environment."""

from core.config.loader import ConfigError, ConfigManager
from core.config.secrets import Secrets, load_secrets, mask
from core.config.settings import Settings

__all__ = ["ConfigError", "ConfigManager", "Secrets", "Settings", "load_secrets", "mask"]

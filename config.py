"""Settings are read in feedback/config.py (so an installed wheel has them too).

This top-level name is kept for `from config import ...` in scripts and old habits.
"""

from feedback.config import (
    Config,
    DevelopmentConfig,
    ProductionConfig,
    TestingConfig,
    config_from_env,
)

__all__ = ["Config", "DevelopmentConfig", "ProductionConfig", "TestingConfig", "config_from_env"]

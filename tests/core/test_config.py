"""Configuration: SPEC §11 defaults, TOML layering, refusals, runtime overrides, secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, ConfigManager, Secrets, load_secrets, mask
from core.config.loader import unknown_keys


def test_defaults_follow_spec_section_11() -> None:
    s = ConfigManager().settings
    assert s.webhook.port == 80 and s.webhook.host == "0.0.0.0"
    assert s.webhook.duplicate_window_seconds == 300 and s.webhook.queue_max == 1000
    assert s.webhook.max_body_bytes == 16384 and s.webhook.allow_unauthenticated is False
    assert s.trading.mode == "paper" and s.paper.price_feed == "synthetic"
    assert s.account.simulated_balance == 10000
    assert s.mt5.magic_base == 505000 and s.mt5.connect_retries == 5
    assert s.symbols.mapping == {"XAUUSD": "GOLD"} and len(s.symbols.enabled) == 11
    assert s.risk.tiers["10000"].max_lot == 0.10 and s.risk.tiers["10000"].daily_cap == 200
    assert s.risk.daily_reset_time == "03:35" and s.risk.weekend_block is True
    assert s.sl_systems.tables["sl-1"]["XAUUSD"]["10000"] == 1500
    assert s.sl_systems.tables["sl-2"]["USDJPY"]["5000"] == 130
    assert s.logics["combinedlogic-3"].sl_multiplier == 2.5
    assert s.bridge.mode == "hybrid" and s.sessions.enabled is True


def test_toml_file_tables_are_spec_dotted_paths(tmp_path: Path) -> None:
    path = tmp_path / "v5.toml"
    path.write_text("[sessions]\nenabled = false\n[risk]\nweekend_block = false\n"
                    "[webhook]\nport = 8080\n", encoding="utf-8")
    manager = ConfigManager.from_file(path)
    assert manager.settings.sessions.enabled is False
    assert manager.settings.risk.weekend_block is False
    assert manager.settings.webhook.port == 8080
    assert manager.layer_of("webhook.port") == "file"
    assert manager.layer_of("webhook.host") == "default"


@pytest.mark.parametrize(("toml", "fragment"), [
    ("[webhook]\nport = 70000\n", "webhook.port = 70000"),
    ("[trading]\nmode = \"demo\"\n", "trading.mode = 'demo'"),
    ("[risk]\ndaily_reset_time = \"25:00\"\n", "risk.daily_reset_time = '25:00'"),
    ("[display]\ntimezone = \"Mars/Base\"\n", "unknown timezone"),
    ("[symbols]\nmapping = {EURUSD = \"GOLD\"}\n", "one-to-one"),
])
def test_bad_values_are_refused_with_key_value_and_rule(tmp_path: Path, toml: str,
                                                        fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        ConfigManager.from_file(path)
    assert fragment in str(info.value)


def test_credentials_in_the_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "leak.toml"
    path.write_text("[webhook]\nsecret = \"hunter2\"\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="credentials are not allowed"):
        ConfigManager.from_file(path)


def test_unknown_keys_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "extra.toml"
    path.write_text("[webhook]\nflavour = \"mint\"\n", encoding="utf-8")
    manager = ConfigManager.from_file(path)
    assert unknown_keys(manager.settings) == ["webhook.flavour"]


def test_runtime_override_validated_and_layered() -> None:
    manager = ConfigManager()
    manager.set("risk.max_open_trades", 4)
    assert manager.settings.risk.max_open_trades == 4
    assert manager.layer_of("risk.max_open_trades") == "runtime"
    with pytest.raises(ConfigError, match="risk.max_open_trades"):
        manager.set("risk.max_open_trades", -1)
    assert manager.settings.risk.max_open_trades == 4  # refused change keeps the old value
    with pytest.raises(ConfigError, match="unknown configuration key"):
        manager.set("risk.nonsense", 1)


def test_secrets_from_env_and_dotenv_never_printed(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("V5_WEBHOOK_SECRET=from-file\nV5_API_TOKEN=file-token\n", encoding="utf-8")
    secrets = load_secrets(env={"V5_API_TOKEN": "env-token"}, dotenv_path=dotenv)
    assert secrets.webhook_secret == "from-file"
    assert secrets.api_token == "env-token"  # the environment wins
    assert "env-token" not in repr(secrets) and "from-file" not in str(secrets)
    assert mask(secrets.api_token) == "set" and mask(None) == "not set"
    assert set(secrets.secret_values()) == {"from-file", "env-token"}
    assert Secrets().secret_values() == []

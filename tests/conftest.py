"""Suite-wide fixtures: the fake Scenario server (`fake_scenario`) for every test folder."""

pytest_plugins = ["storyboard.testing.pytest_plugin"]

"""The Scenario provider: Luma video models through Scenario's Generation API.

`client.py` speaks HTTP (the only httpx user in storyboard) and owns retries; `provider.py`
implements the engine's `Provider` protocol on top of it; `records.py` keeps the asset and
estimate maps under `.storyboard/`.
"""

from storyboard.errors import AmbiguousSubmission, Rejected, ScenarioUnavailable
from storyboard.providers.scenario.client import RetryPolicy, ScenarioClient
from storyboard.providers.scenario.provider import ScenarioProvider

__all__ = [
    "AmbiguousSubmission",
    "Rejected",
    "RetryPolicy",
    "ScenarioClient",
    "ScenarioProvider",
    "ScenarioUnavailable",
]

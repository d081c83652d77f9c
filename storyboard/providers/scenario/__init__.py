"""The Scenario provider: Luma video models through Scenario's Generation API.

`client.py` speaks HTTP (the only httpx user in storyboard), built from `transport.py`
(pooled clients, retries), `answers.py` (errors and answer fields) and `assets.py` (uploads and
downloads). `provider.py` implements the engine's `Provider` protocol on top of it, with
`inputs.py` (files as assets, uploaded once) and `recovery.py` (finding a lost submission's
job); `records.py` keeps the small maps under `.storyboard/`.
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

"""Remote caches shared by a team: the objects a lock names, in a folder or on S3.

`open_remote(url)` gives a `Remote` (backend.py, the only fsspec user); `push` and `pull`
(sync.py) move objects in parallel and verify what they bring in; builds read through a remote
with `Remote.fetch`. Nothing here prints: progress goes to a callback.
"""

from storyboard.errors import RemoteError  # re-exported: users catch it from here too
from storyboard.remote.backend import Remote, open_remote, resolve_url, s3_endpoint
from storyboard.remote.sync import Transfer, TransferReport, pull, push

__all__ = [
    "Remote",
    "RemoteError",
    "Transfer",
    "TransferReport",
    "open_remote",
    "pull",
    "push",
    "resolve_url",
    "s3_endpoint",
]

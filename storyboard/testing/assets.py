"""The fake's assets: job results rendered on first use, inline image uploads (`POST /assets`),
reads and download URLs. Bytes live under the state's root; URLs are signed by `core.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storyboard.testing.core import StateCore
from storyboard.testing.images import decode_base64_image, sniff_image
from storyboard.testing.models import Rejected
from storyboard.testing.records import OWNER_ID, Asset, iso, new_id

MAX_IMAGE_BYTES = 6 * 1000 * 1000
TRANSFORMED = ".transformed"  # the storage path of an asset's transformed copy ends so


class AssetsMixin(StateCore):
    def _asset_json(self, a: Asset, now: float, original: bool = True) -> dict[str, Any]:
        props: dict[str, Any] = {"size": a.size}
        for name in ("width", "height", "duration"):
            value = getattr(a, name)
            if value is not None:
                props[name] = value
        # Every field the SDK's `Asset` model requires, with what a fresh API key's project
        # would hold (no collections, no tags, private).
        path = f"/_storage/files/{a.id}{'' if original else TRANSFORMED}"
        return {
            "id": a.id,
            "url": self.signed_url("GET", path, now + self.url_ttl),
            "mimeType": a.mime_type,
            "kind": a.kind,
            "status": "success",
            "properties": props,
            "metadata": {"kind": a.kind, "type": a.source, "fileName": a.name},
            "source": a.source,
            "authorId": OWNER_ID,
            "ownerId": OWNER_ID,
            "privacy": "private",
            "collectionIds": [],
            "editCapabilities": [],
            "tags": [],
            "isHidden": a.hidden,
            "createdAt": iso(a.created),
            "updatedAt": iso(a.created),
        }

    def _visible_asset(self, asset_id: str) -> Asset:
        with self._lock:
            a = self._assets.get(asset_id)
            if a is None or a.ready_at > self.clock():
                raise Rejected(404, f"Asset {asset_id} not found")
            return a

    def asset_file(self, asset_id: str) -> tuple[Asset, Path]:
        """The asset and its bytes on disk, rendering a job's result on first use."""
        a = self._visible_asset(asset_id)
        if a.path is not None:
            return a, a.path
        assert a.render is not None
        path = self.clips.get(*a.render)  # slow the first time: outside the lock
        with self._lock:
            a.size = path.stat().st_size
        return a, path

    def get_asset(self, asset_id: str, original: bool = False) -> dict[str, Any]:
        """Without `originalAssets=true` the URL serves a transformed copy (when the fake's
        `transformed_assets` is on, as the service may): its size is not `properties.size`."""
        a, _ = self.asset_file(asset_id)  # the size needs the file
        with self._lock:
            plain = original or not self.transformed_assets
            return {"asset": self._asset_json(a, self.clock(), original=plain)}

    def download_asset(self, asset_id: str) -> dict[str, Any]:
        a = self._visible_asset(asset_id)
        with self._lock:
            view = self._asset_json(a, self.clock())
        return {"url": view["url"], "mimeType": a.mime_type}

    def create_image_asset(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "The request body must be a JSON object")
        name, image = body.get("name"), body.get("image")
        if not isinstance(name, str) or not name:
            raise Rejected(400, "Missing required parameter 'name'")
        if not isinstance(image, str) or not image:
            raise Rejected(400, "Missing required parameter 'image'")
        hide = body.get("hide", False)
        if not isinstance(hide, bool):
            raise Rejected(400, "Invalid value for parameter 'hide': expected a boolean")
        data = decode_base64_image(image)
        if data is None:
            raise Rejected(400, "Invalid value for parameter 'image': not base64 or a data URL")
        if len(data) >= MAX_IMAGE_BYTES:
            raise Rejected(
                400, f"Invalid value for parameter 'image': {len(data)} bytes; images must be "
                "under 6 MB here (use POST /uploads for larger files)",
            )
        info = sniff_image(data)
        if info is None:
            raise Rejected(400, "Invalid value for parameter 'image': not a PNG, JPEG or WebP")
        asset_id = new_id("asset")
        path = self._asset_path(asset_id)
        path.write_bytes(data)
        with self._lock:
            now = self.clock()
            a = Asset(
                id=asset_id, kind="image", mime_type=info.mime_type, name=name, created=now,
                ready_at=now, path=path, width=info.width, height=info.height, size=len(data),
                hidden=hide,
            )  # fmt: skip
            self._assets[asset_id] = a
            self._bump("assets_created")
            return {"asset": self._asset_json(a, now)}

"""The fake's multipart uploads (`/uploads`): presigned part URLs, S3's part-size floor,
completion that joins the parts and imports them as an asset after a delay.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from storyboard.testing.clips import probe
from storyboard.testing.core import StateCore
from storyboard.testing.images import sniff_image
from storyboard.testing.models import Rejected
from storyboard.testing.records import MIB, OWNER_ID, Asset, Upload, iso, new_id

MIN_PART_BYTES = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10_000
UPLOAD_KINDS = ("video", "audio", "image")


class UploadsMixin(StateCore):
    def _upload_json(self, u: Upload) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": u.id, "status": u.status, "fileName": u.file_name,
            "contentType": u.content_type, "kind": u.kind, "fileSize": u.file_size,
            "partsCount": u.parts, "source": "multipart", "authorId": OWNER_ID,
            "ownerId": OWNER_ID, "assetOptions": {"hide": u.hide},
            "createdAt": iso(u.created), "updatedAt": iso(u.completed_at or u.created),
        }  # fmt: skip
        if u.status == "pending":
            out["parts"] = [
                {
                    "number": n,
                    "url": self.signed_url("PUT", f"/_storage/upload/{u.id}/{n}", u.expires),
                    "expires": iso(u.expires),
                }
                for n in range(1, u.parts + 1)
            ]
        if u.entity_id:
            out["entityId"] = u.entity_id
        if u.error_message:
            out["errorMessage"] = u.error_message
        return out

    def create_upload(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise Rejected(400, "The request body must be a JSON object")
        for name, kind in (("fileName", str), ("contentType", str), ("kind", str),
                           ("fileSize", int), ("parts", int)):  # fmt: skip
            v = body.get(name)
            if v is None:
                raise Rejected(400, f"Missing required parameter '{name}'")
            if not isinstance(v, kind) or isinstance(v, bool):
                raise Rejected(400, f"Invalid value for parameter '{name}'")
        if body["kind"] not in UPLOAD_KINDS:
            raise Rejected(400, f"Invalid value for parameter 'kind': one of {UPLOAD_KINDS}")
        if body["fileSize"] <= 0:
            raise Rejected(400, "Invalid value for parameter 'fileSize': must be positive")
        if not 1 <= body["parts"] <= MAX_PARTS:
            raise Rejected(400, f"Invalid value for parameter 'parts': 1..{MAX_PARTS}")
        options = body.get("assetOptions", {})
        if not isinstance(options, dict) or not isinstance(options.get("hide", False), bool):
            raise Rejected(400, "Invalid value for parameter 'assetOptions': expected "
                           "{\"hide\": true|false, ...}")
        with self._lock:
            now = self.clock()
            u = Upload(
                id=new_id("upload"), file_name=body["fileName"],
                content_type=body["contentType"], kind=body["kind"],
                file_size=body["fileSize"], parts=body["parts"], created=now,
                expires=now + self.url_ttl, hide=options.get("hide", False),
            )  # fmt: skip
            self._uploads[u.id] = u
            self._bump("uploads")
            return {"upload": self._upload_json(u)}

    def part_path(self, upload_id: str, number: int) -> Path:
        """Where a PUT part goes; raises `Rejected` when the upload takes no more parts."""
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None or u.status != "pending":
                raise Rejected(404, "NoSuchUpload")
            if not 1 <= number <= u.parts:
                raise Rejected(400, "InvalidArgument: part number out of range")
        d = self.root / "uploads" / upload_id
        d.mkdir(parents=True, exist_ok=True)
        return d / str(number)

    def part_stored(self, upload_id: str, number: int, size: int) -> None:
        with self._lock:
            self._uploads[upload_id].part_sizes[number] = size

    def get_upload(self, upload_id: str) -> dict[str, Any]:
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None:
                raise Rejected(404, f"Upload {upload_id} not found")
            view = self._upload_json(u)
            # The import result is decided at completion; it shows after the import delay.
            if u.status in ("imported", "failed") and u.completed_at is not None and (
                self.clock() < u.completed_at + self.upload_import_delay
            ):
                view["status"] = "validating"
                view.pop("entityId", None)
                view.pop("errorMessage", None)
            return {"upload": view}

    def upload_action(self, upload_id: str, body: Any) -> dict[str, Any]:
        action = body.get("action") if isinstance(body, dict) else None
        with self._lock:
            u = self._uploads.get(upload_id)
            if u is None:
                raise Rejected(404, f"Upload {upload_id} not found")
            if action != "complete":
                raise Rejected(400, f"Invalid value for parameter 'action': {action!r}")
            if u.status != "pending":
                raise Rejected(400, f"Upload {upload_id} is already {u.status}")
            for n in range(1, u.parts + 1):
                if n not in u.part_sizes:
                    raise Rejected(400, f"Part {n} of {u.parts} was not uploaded")
                if n < u.parts and u.part_sizes[n] < MIN_PART_BYTES:
                    raise Rejected(
                        400, f"EntityTooSmall: part {n} is {u.part_sizes[n]} bytes; every part "
                        f"but the last must be at least {MIN_PART_BYTES} bytes (5 MiB)",
                    )
            u.status = "validating"
            asset_id = new_id("asset")
        path = self._asset_path(asset_id)
        parts_dir = self.root / "uploads" / upload_id
        with path.open("wb") as out:
            for n in range(1, u.parts + 1):
                with (parts_dir / str(n)).open("rb") as part:
                    shutil.copyfileobj(part, out, MIB)
        shutil.rmtree(parts_dir, ignore_errors=True)
        asset, error = self._import(asset_id, path, u)
        with self._lock:
            now = self.clock()
            u.completed_at = now
            if asset is None:
                u.status, u.error_message = "failed", error
                path.unlink(missing_ok=True)
            else:
                asset.created = asset.ready_at = now
                self._assets[asset.id] = asset
                self._bump("assets_created")
                u.status, u.entity_id = "imported", asset.id
        return self.get_upload(upload_id)

    def _import(self, asset_id: str, path: Path, u: Upload) -> tuple[Asset | None, str]:
        """The asset the uploaded bytes make, or None and why the upload failed: the bytes must
        be as many as `fileSize` said and of the declared `contentType`."""
        size = path.stat().st_size
        if size != u.file_size:
            return None, f"{u.file_name}: {size} bytes were uploaded, fileSize said {u.file_size}"
        if u.kind == "image":
            with path.open("rb") as f:
                info = sniff_image(f.read(1 << 16))
            if info is None:
                return None, f"{u.file_name} is not a PNG, JPEG or WebP image"
            if info.mime_type != u.content_type.lower():
                return None, (f"{u.file_name} is {info.mime_type}, contentType said "
                              f"{u.content_type}")
            return Asset(asset_id, "image", info.mime_type, u.file_name, 0.0, 0.0, path,
                         width=info.width, height=info.height, size=size, hidden=u.hide,
                         ), ""  # fmt: skip
        if not u.content_type.lower().startswith(f"{u.kind}/"):
            return None, f"{u.file_name}: contentType {u.content_type} is not {u.kind}/..."
        p = probe(path, self.clips.ffmpeg)
        ok = p is not None and (p.kind == "video" if u.kind == "video" else p.has_audio)
        if p is None or not ok:
            return None, f"{u.file_name} could not be read as {u.kind}"
        return Asset(
            asset_id, u.kind, u.content_type, u.file_name, 0.0, 0.0, path, duration=p.duration,
            width=p.width if u.kind == "video" else None,
            height=p.height if u.kind == "video" else None, size=size,
            source=f"uploaded-{u.kind}", hidden=u.hide,
        ), ""  # fmt: skip

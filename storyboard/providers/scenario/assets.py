"""Assets for the Scenario client: reading, uploading (inline or multipart) and downloading.

Uploads send small images inline and everything else through `/uploads` (presigned parts, no
Authorization header on storage), hidden from the user's library; downloads stream the original
(`originalAssets=true`, else `POST /assets/{id}/download`) to disk, checked against the asset's
type and size. Both sit on `transport.py`'s retry policy.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import math
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx

from storyboard.errors import ProviderError, Rejected, ScenarioUnavailable
from storyboard.providers.scenario.answers import (
    asset_id_of,
    check_served_type,
    declared_length,
    object_of,
    part_urls,
    seg,
    translate_status,
    translate_transport,
)
from storyboard.providers.scenario.transport import Transport, _UrlRefused, session

MAX_PARTS = 10_000
# Inline images below this go to POST /assets as base64 (a third larger, against a gateway cap
# near 10 MB); Scenario's own plugin switches to /uploads at 3.5 MB, and so do we.
INLINE_IMAGE_LIMIT = 3_500_000
# Inputs storyboard uploads are for its own jobs: keep them out of the user's library.
HIDDEN = {"hide": True}


def sniff_mime(head: bytes) -> str | None:
    """The media type of a file from its first bytes (store objects have no extension)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith(b"M4A"):
            return "audio/mp4"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


class AssetCalls(Transport):
    """Asset endpoints (`ScenarioClient` adds jobs and models)."""

    @session
    async def asset(self, asset_id: str) -> dict[str, Any]:
        what = f"reading asset {asset_id}"
        # Without originalAssets the URL may serve a transformed copy of another size.
        _, data = await self._api("GET", f"/assets/{seg(asset_id)}", what,
                                  params={"originalAssets": "true"})
        return object_of(data, "asset", what)

    @session
    async def upload_image(self, path: Path, name: str | None = None) -> str:
        """An image as an asset: inline base64 when small, the multipart flow when large."""
        name = name or path.name
        big = path.stat().st_size >= INLINE_IMAGE_LIMIT
        data = await asyncio.to_thread(_read_range, path, 0, 64) if big else \
            await asyncio.to_thread(path.read_bytes)
        mime = sniff_mime(data[:64])
        if mime is None or not mime.startswith("image/"):
            raise ProviderError(f"{path.name} is not a PNG, JPEG or WebP image, which is what "
                                "Scenario takes for frames; convert it and build again")
        if big:
            return await self.upload_file(path, "image", mime, name=name)
        what = f"uploading {name}"
        url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        _, out = await self._api("POST", "/assets", what,
                                 json={"name": name, "image": url, **HIDDEN})
        return asset_id_of(object_of(out, "asset", what).get("id"), what)

    @session
    async def upload_file(self, path: Path, kind: str, content_type: str, *,
                          name: str | None = None) -> str:
        """Upload through /uploads (presigned parts, complete, wait for the import)."""
        name = name or path.name
        what = f"uploading {name}"
        size = path.stat().st_size
        if size <= 0:
            raise ProviderError(f"{what}: the file is empty")
        part = self.part_bytes
        if math.ceil(size / part) > MAX_PARTS:
            part = math.ceil(size / MAX_PARTS)
        parts = math.ceil(size / part)
        _, data = await self._api("POST", "/uploads", what, json={
            "fileName": name, "contentType": content_type, "kind": kind,
            "fileSize": size, "parts": parts, "assetOptions": HIDDEN})
        upload = object_of(data, "upload", what)
        upload_id = upload.get("id")
        if not isinstance(upload_id, str) or not upload_id:
            raise ProviderError(f"{what}: Scenario's answer has no upload id")
        urls = part_urls(upload)
        for number in range(1, parts + 1):
            offset = (number - 1) * part
            urls = await self._put_part(path, upload_id, urls, number, offset,
                                        min(part, size - offset), what)
        await self._complete(upload_id, what)
        return await self._wait_imported(upload_id, what)

    async def _put_part(self, path: Path, upload_id: str, urls: dict[int, str], number: int,
                        offset: int, length: int, what: str) -> dict[int, str]:
        chunk = await asyncio.to_thread(_read_range, path, offset, length)
        label = f"{what} (part {number})"
        for refreshed in (False, True):
            url = urls.get(number)
            if url is None:
                raise ProviderError(f"{label}: Scenario gave no URL for this part")
            try:
                await self._retrying(label, functools.partial(self._storage_put, url, chunk, label))
                return urls
            except _UrlRefused:
                if refreshed:
                    raise ProviderError(f"{label}: the storage URL was refused twice; try "
                                        "again later") from None
                # Part URLs expire; a pending upload hands out fresh ones.
                _, data = await self._api("GET", f"/uploads/{seg(upload_id)}", label)
                urls = part_urls(object_of(data, "upload", label))
        return urls

    async def _storage_put(self, url: str, chunk: bytes, what: str) -> None:
        _, storage = await self._clients()
        try:
            resp = await storage.put(url, content=chunk)
        except httpx.RequestError as exc:
            raise translate_transport(exc, what, self._scrub) from exc
        if resp.status_code == 403:
            raise _UrlRefused(f"{what}: the signed URL was refused")
        if not resp.is_success:
            raise translate_status(resp, what, self._scrub)

    async def _complete(self, upload_id: str, what: str) -> None:
        try:
            await self._api("POST", f"/uploads/{seg(upload_id)}/action", what,
                            json={"action": "complete"})
        except Rejected:
            # A retried `complete` whose first try arrived is refused as "already ...":
            # the upload is then on its way and waiting for it is right.
            _, data = await self._api("GET", f"/uploads/{seg(upload_id)}", what)
            if object_of(data, "upload", what).get("status") == "pending":
                raise

    async def _wait_imported(self, upload_id: str, what: str) -> str:
        started = time.monotonic()
        delay = self.upload_poll
        while True:
            _, data = await self._api("GET", f"/uploads/{seg(upload_id)}", what)
            upload = object_of(data, "upload", what)
            status = upload.get("status")
            if status == "imported":
                return asset_id_of(upload.get("entityId"), what)
            if status == "failed":
                raise Rejected(f"{what}: Scenario could not import the file: "
                               f"{upload.get('errorMessage') or 'no reason given'}",
                               "check that the file plays, or re-export it", status=422)
            if time.monotonic() - started > self.upload_deadline:
                raise ScenarioUnavailable(
                    f"{what}: the upload was not imported within {self.upload_deadline:g} s "
                    f"(status {status})", may_have_arrived=True)
            await self._sleep(delay)
            delay = min(delay * 1.5, 5.0)

    @session
    async def download(self, asset_id: str, dest: Path) -> int:
        """Stream an asset's original to `dest` through a fresh signed URL, with no
        Authorization header.

        First the URL of `GET /assets/{id}?originalAssets=true`, whose length must be the
        asset's `properties.size`. When it serves another length (a transformed copy, a confused
        cache), the original is fetched through `POST /assets/{id}/download`, whose URL must
        serve `properties.size` bytes too: a body of another length is never taken for the
        result, however announced. The body must be of the asset's kind, complete (a body cut
        short is refused) and under the hard cap; a wrong type, a wrong or a short length is
        retried like any transient failure, then reported; `dest` only ever appears complete."""
        what = f"downloading {asset_id}"
        info = await self.asset(asset_id)
        props = info.get("properties")
        size = props.get("size") if isinstance(props, dict) else None
        expected = int(size) if isinstance(size, int | float) and size > 0 else None
        mime = info.get("mimeType")
        wanted = mime if isinstance(mime, str) and "/" in mime else None

        async def asset_url() -> str:
            return _url_of(await self.asset(asset_id), what)

        async def download_url() -> str:
            _, data = await self._api("POST", f"/assets/{seg(asset_id)}/download", what,
                                      json={})
            return _url_of(data, what)

        try:
            return await self._fetch(_url_of(info, what), asset_url, dest, expected, wanted,
                                     what, first=True)
        except _SizeDiffers:
            pass  # a copy of another size: the original through the download endpoint
        return await self._fetch(await download_url(), download_url, dest, expected, wanted,
                                 what, first=False)

    async def _fetch(self, url: str, fresh: Callable[[], Awaitable[str]], dest: Path,
                     expected: int | None, wanted: str | None, what: str, *,
                     first: bool) -> int:
        for refreshed in (False, True):
            try:
                return await self._retrying(what, functools.partial(
                    self._download_once, url, dest, expected, wanted, what, first))
            except _UrlRefused:
                if refreshed:
                    raise ProviderError(f"{what}: the signed URL was refused even when fresh; "
                                        "try again later") from None
                url = await fresh()  # signed URLs expire
        raise AssertionError("unreachable")  # pragma: no cover

    async def _download_once(self, url: str, dest: Path, expected: int | None,
                             wanted: str | None, what: str, first: bool) -> int:
        """One GET of `url` into `dest`. A length other than `expected` raises `_SizeDiffers`
        on the `first` URL (try the original elsewhere), else a transient error (retry)."""
        differs = _SizeDiffers if first else functools.partial(
            ScenarioUnavailable, may_have_arrived=True)
        _, storage = await self._clients()
        cap = self.max_download_bytes
        tmp = dest.with_name(f".{dest.name}.part{os.getpid()}")
        got = 0
        try:
            async with storage.stream("GET", url) as resp:
                if resp.status_code == 403:
                    raise _UrlRefused(f"{what}: the signed URL was refused (expired?)")
                if not resp.is_success:
                    await resp.aread()
                    raise translate_status(resp, what, self._scrub)
                check_served_type(resp, wanted, what)
                declared = declared_length(resp)
                if declared is not None and declared > cap:
                    raise ProviderError(f"{what}: the file is {declared} bytes, above the "
                                        f"{cap} byte limit for one clip")
                if declared is not None and expected is not None and declared != expected:
                    raise differs(f"{what}: the storage server offers {declared} bytes but "
                                  f"the asset is {expected} bytes")
                limit = min(cap, declared if declared is not None else expected or cap)
                with tmp.open("wb") as f:
                    async for chunk in resp.aiter_bytes(1 << 20):
                        got += len(chunk)
                        if got > limit:
                            if limit == cap:
                                raise ProviderError(f"{what}: the file is larger than the "
                                                    f"{cap} byte limit for one clip")
                            raise differs(f"{what}: the storage server sent more than the "
                                          f"{limit} bytes the asset has")
                        f.write(chunk)
        except httpx.RequestError as exc:
            tmp.unlink(missing_ok=True)
            raise translate_transport(exc, what, self._scrub) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if got != (declared if declared is not None else expected or got):
            tmp.unlink(missing_ok=True)
            raise ScenarioUnavailable(f"{what}: the download stopped after {got} of "
                                      f"{declared or expected} bytes", may_have_arrived=True)
        os.replace(tmp, dest)
        return got


class _SizeDiffers(ProviderError):
    """The URL serves another length than the asset's size: fetch the original elsewhere."""


def _url_of(data: Mapping[str, Any], what: str) -> str:
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise ProviderError(f"{what}: Scenario gave no URL for the asset")
    return url


def _read_range(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as f:
        f.seek(offset)
        return f.read(length)

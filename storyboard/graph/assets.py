"""Assets -> nodes: each input file, checked to be inside the project, present and readable."""

from __future__ import annotations

from pathlib import Path

from storyboard.graph.context import AssetFacts, Context, media_kind_of
from storyboard.graph.nodes import AssetData, Node
from storyboard.paths import inside, length_problem, link_loop
from storyboard.spec.yamlsource import Path_


def add_assets(ctx: Context) -> None:
    board, root = ctx.board, ctx.root
    for name, rel in board.assets.items():
        path: Path_ = ("assets", name)
        where = f"asset '{name}'"
        kind = media_kind_of(rel)
        p = Path(rel)
        why = length_problem(rel)
        if why:
            ctx.problem(path, f"'{rel[:80]}' cannot be a file name: {why}", where=where,
                        hint="use a shorter path inside the project")
            continue
        if not p.is_absolute() and link_loop(root / p):
            ctx.problem(path, f"'{rel}' is a link loop: its symbolic links lead back to "
                        "each other and never reach a file", code="asset-loop", where=where,
                        hint="replace the link with the file itself, or point it at a file")
            continue
        if p.is_absolute() or not inside(root, root / p):
            ctx.problem(path, f"'{rel}' is outside the project folder",
                        code="asset-outside", where=where,
                        hint="copy the file into the project and use a relative path")
            continue
        if not rel.strip():
            ctx.problem(path, "the path is empty", code="asset-missing", where=where,
                        hint="write the path of the file, such as assets/photo.png")
            continue
        if not (root / p).is_file():
            full = root / p
            what = ("is a folder, not a file" if full.is_dir() else "is not a regular file"
                    if full.exists() else "does not exist")
            ctx.problem(path, f"file '{rel}' {what}", code="asset-missing", where=where,
                        hint=f"put the file at {rel}, relative to the storyboard file's folder"
                        if what == "does not exist" else "name a file, such as assets/photo.png")
            continue
        if kind is None:
            ctx.problem(path, f"'{rel}' is not a file type storyboard reads",
                        code="asset-type", where=where,
                        hint="use an image (.png .jpg .webp), video (.mp4 .mov .webm) or "
                        "audio (.mp3 .wav .m4a) file")
            continue
        facts = ctx.facts.get(name, AssetFacts(kind))
        loc = ctx.smap.at(path)
        ctx.graph.add(Node(
            id=f"asset:{name}", kind="asset", label=name, media=facts.kind,
            payload=AssetData(p.as_posix()), duration=facts.duration, width=facts.width,
            height=facts.height, line=loc[0] if loc else None, column=loc[1] if loc else None,
        ))
    for name in board.shots:
        if name in board.assets:
            ctx.problem(("shots", name), f"'{name}' is both an asset and a shot",
                        code="duplicate-name", where=f"shot '{name}'", key=True,
                        hint="assets and shots share one namespace: rename one of them")

"""Every exception storyboard raises, in one tree.

Problems found before anything runs are exceptions; a node that fails while running is a
`NodeResult` value (see `engine/`): `NodeFailed` carries it inside the engine and never escapes.

    StoryboardError                  base: every message says what happened and what to do
    ├── UsageError                   the command asks for something not configured: push or
    │                                pull with no remote                             (exit 2)
    ├── ProjectError                 the project cannot be run as written          (exit 3)
    │   ├── SpecError                one or more `Problem`s in storyboard.yaml: syntax, fields,
    │   │                            catalogue rules, references, cycles, asset files
    │   ├── CredentialsError         Scenario credentials missing or rejected, or a base URL
    │   │                            from a project file would receive credentials from elsewhere
    │   ├── UnsafePath               a path from the project leaves the folder it must stay in,
    │   │                            or names a device, a FIFO or a file over its size limit
    │   └── RemoteUrlError           a remote URL with a NUL, a `::` chain or an unknown scheme
    ├── BudgetError                  the plan costs more than --max-cost              (exit 4)
    ├── BusyError                    another build holds this project's lock          (exit 1)
    ├── MediaError                   ffmpeg or ffprobe failed: argv and the tail of stderr
    │   └── FfmpegNotFound           no ffmpeg/ffprobe binary could be located
    ├── GraphvizError                Graphviz's `dot` is missing or could not draw the graph
    ├── StoreError                   the cache, the journal or the lock cannot be read or written
    │   ├── NotWritable              the project folder refuses a write (its permissions, a
    │   │                            read-only disk): said as such, never "internal error"
    │   ├── LockError                storyboard.lock cannot be read (not a file, no permission,
    │   │                            git conflict markers): the project is invalid   (exit 3)
    │   ├── RemoteError              a remote cache cannot be reached, read or written
    │   └── JournalDamaged           a journal entry cannot be read: its node may have a paid
    │                                job already, so it is never resubmitted on a guess
    ├── ProviderError                a provider could not do what it was asked
    │   ├── TransientError           worth retrying: timeouts, 5xx, dropped connections
    │   │   ├── RateLimited          429: wait `retry_after` seconds, then go on
    │   │   └── ScenarioUnavailable  Scenario unreachable or 5xx; `may_have_arrived` says
    │   │       │                    whether a paid submission can be sent again
    │   │       └── AmbiguousSubmission  a submission failed after it was sent: a job may
    │   │                            exist; look for it, never resend blindly
    │   ├── Rejected                 the provider refused the request (4xx): nothing ran and
    │   │                            nothing was created, retrying will not help
    │   └── JobFailed                the provider ran the job and it failed (moderation, ...)
    └── NodeFailed                   inside the engine only: this node failed (becomes a
        └── NodeRefused              `NodeResult`); refused: --max-cost would be passed (exit 4)

`Rejected` and `JobFailed` are siblings: a rejected submission created no job (the engine drops
its journal intent and fails the node), a failed job was created and ran (the engine fails the
node with the provider's reason, hint and trace id). Private exceptions that never leave their
package (`_UrlRefused` in the scenario client) are not part of the tree.

The CLI maps this tree to exit codes in one table (`cli/exit_codes.py`); a test fails when a
class here has no entry there.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

MAX_PROBLEMS = 200  # a hostile file can make millions; people and tools read the first ones
MAX_TEXT = 300  # characters of one message or hint: a 100 KB name is cut, never repeated whole


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Text for a message, at most `limit` characters (a hostile file writes long names)."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a storyboard file, with where it is and how to fix it.

    `as_dict` is the diagnostics shape every command prints with --json (docs/diagnostics.md);
    `code` is one of the stable codes listed there.
    """

    message: str
    file: str = "storyboard.yaml"
    line: int | None = None
    column: int | None = None
    where: str = ""  # "shot 'leap'", "cut 'trailer'", "asset 'theme'", ""
    field: str = ""  # "duration", "shots[1].trim"
    hint: str = ""  # what to do
    code: str = "invalid"
    end_line: int | None = None
    end_column: int | None = None
    severity: str = "error"

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", clip(self.message))
        object.__setattr__(self, "hint", clip(self.hint))
        object.__setattr__(self, "field", clip(self.field, 120))
        object.__setattr__(self, "where", clip(self.where, 120))

    def __str__(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        subject = ", ".join(
            part for part in (self.where, f"field '{self.field}'" if self.field else "") if part
        )
        text = f"{loc}: {subject + ': ' if subject else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def shot(self) -> str | None:
        """The shot the problem is in, when it is in one."""
        if self.where.startswith("shot '"):
            return self.where[6:].split("'", 1)[0]
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file, "line": self.line, "column": self.column,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_column if self.end_column is not None else self.column,
            "severity": self.severity, "code": self.code, "shot": self.shot,
            "where": self.where or None, "field": self.field or None,
            "message": self.message, "hint": self.hint or None,
        }

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.message)


class StoryboardError(Exception):
    """Base of every error storyboard raises on purpose."""


class ProjectError(StoryboardError):
    """The project cannot be run as written."""


class SpecError(ProjectError):
    """One or more problems in a storyboard file, all reported together."""

    def __init__(self, problems: list[Problem]) -> None:
        unique = list({str(p): p for p in problems}.values())
        ordered = sorted(unique, key=lambda p: p.sort_key)
        self.problems = ordered[:MAX_PROBLEMS]
        self.omitted = len(ordered) - len(self.problems)  # found but not listed (the cap)
        text = "\n".join(str(p) for p in self.problems)
        if self.omitted:
            text += f"\n... and {self.omitted} more problem{'s' if self.omitted != 1 else ''}"
        super().__init__(text)

    @property
    def count(self) -> int:
        """Every problem found, listed or not."""
        return len(self.problems) + self.omitted


class CredentialsError(ProjectError):
    """Scenario credentials are missing or were rejected; nothing was uploaded."""


class UnsafePath(ProjectError):
    """A path read from the project (file, lock, cache, remote, environment) leaves the folder
    it must stay in, or names something that is not a regular file or is too large to read."""


class BudgetError(StoryboardError):
    """The plan's estimated cost is above the cap given with --max-cost."""


class BusyError(StoryboardError):
    """Another storyboard process is building this project."""


class MediaError(StoryboardError):
    """ffmpeg or ffprobe failed; carries the command and the end of its error output."""

    def __init__(self, message: str, argv: list[str] | None = None, stderr_tail: str = "") -> None:
        self.argv = argv or []
        self.stderr_tail = stderr_tail
        text = message
        if stderr_tail:
            text += f"\nffmpeg said:\n{stderr_tail}"
        super().__init__(text)


class FfmpegNotFound(MediaError):
    """No ffmpeg or ffprobe binary could be located."""


class UsageError(StoryboardError):
    """The command asks for something that is not configured (push with no remote)."""


class StoreError(StoryboardError):
    """The cache, the journal or the lock file cannot be read or written."""


class NotWritable(StoreError):
    """A file or folder of the project cannot be written (its permissions, a read-only disk):
    what the CLI makes of a refused write, instead of an "internal error"."""

    @classmethod
    def of(cls, exc: BaseException) -> NotWritable | None:
        """The error to show for `exc` when it is a refused write, else None."""
        if not isinstance(exc, OSError) or exc.errno not in (errno.EACCES, errno.EPERM,
                                                               errno.EROFS):
            return None
        where = exc.filename if exc.filename is not None else "a file of the project"
        return cls(f"cannot write {where}: {exc.strerror or 'permission denied'}; storyboard "
                   "writes its outputs, storyboard.lock and .storyboard/ in the project folder "
                   "(make it writable, or work on a writable copy)")


class LockError(StoreError):
    """storyboard.lock cannot be read as it is: the user restores or resolves it."""


class ProviderError(StoryboardError):
    """A provider could not do what it was asked."""


class TransientError(ProviderError):
    """A failure worth retrying (timeout, 5xx, dropped connection)."""


class RateLimited(TransientError):
    """The provider asked us to slow down (429)."""

    def __init__(self, message: str, retry_after: float = 5.0) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ScenarioUnavailable(TransientError):
    """Scenario could not be reached or answered with a server error; worth retrying.

    `may_have_arrived` is False only when the request certainly never reached the service
    (connection refused, connect timeout): only then may a paid submission be sent again.
    """

    def __init__(self, message: str, *, may_have_arrived: bool, status: int | None = None,
                 trace_id: str = "") -> None:
        self.may_have_arrived = may_have_arrived
        self.status = status
        self.trace_id = trace_id
        super().__init__(message)


class AmbiguousSubmission(ScenarioUnavailable):
    """A paid submission failed after it was sent: a job may exist and be charged.

    Never retried blindly: look for the job (`list_jobs` + `metadata.input`) first.
    """


def _explained(message: str, hint: str, trace_id: str) -> str:
    text = message
    if hint:
        text += f" (hint: {hint})"
    if trace_id:
        text += f" [trace id {trace_id}]"
    return text


class Rejected(ProviderError):
    """The provider refused the request (400, 403, 404, ...): nothing ran, nothing was
    created, retrying will not help."""

    def __init__(self, message: str, hint: str = "", trace_id: str = "", *,
                 status: int = 400) -> None:
        self.reason = message
        self.hint = hint
        self.trace_id = trace_id
        self.status = status
        super().__init__(_explained(message, hint, trace_id))


class JobFailed(ProviderError):
    """The provider ran the job and reports that it failed."""

    def __init__(self, message: str, hint: str = "", trace_id: str = "") -> None:
        self.reason = message
        self.hint = hint
        self.trace_id = trace_id
        super().__init__(_explained(message, hint, trace_id))


class GraphvizError(StoryboardError):
    """Graphviz's `dot` is missing or could not draw the graph."""


class RemoteError(StoreError):
    """The remote cache cannot be reached, read or written."""


class RemoteUrlError(ProjectError):
    """A remote cache URL that cannot name a cache (a NUL, an fsspec `::` chain, an unknown
    scheme): said with where the URL came from, before anything is opened."""


class JournalDamaged(StoreError):
    """A submission journal entry exists but cannot be read: a paid job may exist for its node,
    so the node is not submitted again until someone looks (the message says how)."""


class NodeFailed(StoryboardError):
    """A node failed while running; the engine turns it into a failed `NodeResult`."""

    def __init__(self, message: str, job: str | None = None) -> None:
        self.job = job
        super().__init__(message)


class NodeRefused(NodeFailed):
    """Submitting this node would take the build past --max-cost: nothing was sent."""

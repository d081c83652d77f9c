"""One table from outcomes to exit codes (cli.md): 0 ok, 1 nodes failed, 2 usage,
3 invalid project, 4 budget refused, 130 interrupted.

Every class of `storyboard.errors` has its own row, chosen on purpose (a test walks the tree
and fails on a missing one); an exception is looked up by its class, then its bases, so a
plugin's own subclass gets its parent's code.
"""

from __future__ import annotations

from storyboard import errors as e

OK = 0
FAILED = 1
USAGE = 2
INVALID = 3
BUDGET = 4
INTERRUPTED = 130

EXIT_CODES: dict[type[BaseException], int] = {
    KeyboardInterrupt: INTERRUPTED,
    e.StoryboardError: FAILED,
    e.ProjectError: INVALID,
    e.SpecError: INVALID,
    e.CredentialsError: INVALID,
    e.UnsafePath: INVALID,
    e.BudgetError: BUDGET,
    e.BusyError: FAILED,  # nothing ran; another build is running (or use --wait)
    e.MediaError: FAILED,
    e.FfmpegNotFound: FAILED,
    e.GraphvizError: FAILED,
    e.StoreError: FAILED,
    e.NotWritable: FAILED,  # nothing is wrong with the project: its folder is read-only
    e.LockError: INVALID,  # the project's own file: restore it from git, or resolve the merge
    e.UsageError: USAGE,
    e.RemoteError: FAILED,
    e.RemoteUrlError: INVALID,  # the URL itself is wrong: fix --remote / the file / the env
    e.JournalDamaged: FAILED,  # that node is blocked; the message says how to unblock it
    e.ProviderError: FAILED,
    e.TransientError: FAILED,
    e.RateLimited: FAILED,
    e.ScenarioUnavailable: FAILED,
    e.AmbiguousSubmission: FAILED,
    e.Rejected: FAILED,
    e.JobFailed: FAILED,
    e.NodeFailed: FAILED,  # the engine keeps these inside results; a stray one is a failure
    e.NodeRefused: BUDGET,
}


def code_for(exc: BaseException) -> int:
    """The exit code for `exc`: its class's row, else its nearest base's; anything else is a
    bug, which fails (1)."""
    for cls in type(exc).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return FAILED

"""Run the fake Scenario API from a shell: `python -m storyboard.testing.fake_scenario --port 0`.

Prints the base URL, the (fake) credentials and the environment lines for a storyboard process.
The class lives in `fake.py` so that importing the package does not import this script.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from storyboard.testing.fake import DEFAULT_MAX_PARALLEL_JOBS, FakeScenario

__all__ = ["FakeScenario", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m storyboard.testing.fake_scenario",
        description="Run the fake Scenario API on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per job")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="0..1 per API request")
    parser.add_argument("--max-parallel-jobs", type=int, default=DEFAULT_MAX_PARALLEL_JOBS,
                        help="0 lifts the limit")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--api-key", default="test-key")
    parser.add_argument("--api-secret", default="test-secret")
    args = parser.parse_args(argv)
    fake = FakeScenario(
        api_key=args.api_key, api_secret=args.api_secret, latency=args.latency,
        fault_rate=args.fault_rate, max_parallel_jobs=args.max_parallel_jobs or None,
        seed=args.seed, port=args.port,
    ).start()  # fmt: skip
    # Fake test credentials, safe to show: the point is to paste them into a shell.
    print(f"Fake Scenario API at {fake.base_url}")
    print(f"API key: {fake.api_key}  API secret: {fake.api_secret}")
    print(" ".join(f"{k}={v}" for k, v in fake.env.items()))
    sys.stdout.flush()
    # SIGTERM (e.g. from a test harness) ends like Ctrl-C, so the temp dir is removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

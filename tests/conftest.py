"""Shared test settings: a time unit that an environment variable can scale."""

from __future__ import annotations

import os

#: One "tick" of test time in seconds; raise METIS_TEST_MS on slow machines.
MS = float(os.environ.get("METIS_TEST_MS", "1")) / 1000

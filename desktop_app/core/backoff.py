"""Back-off between failed polls: exponential, capped, with jitter.

Full jitter would make the status bar's "retrying in N s" jump around; we
use a +/- `jitter` fraction around the exponential delay instead, which
still spreads many clients apart after a server restart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 2.0
    cap: float = 60.0
    factor: float = 2.0
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random, repr=False)
    failures: int = 0

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before trying
        again (never more than `cap`, never less than zero)."""
        raw = min(self.cap, self.base * self.factor**self.failures)
        self.failures += 1
        spread = raw * self.jitter
        return max(0.0, min(self.cap, raw + self.rng.uniform(-spread, spread)))

    def reset(self) -> None:
        """A success: the next failure starts from `base` again."""
        self.failures = 0

    @property
    def failing(self) -> bool:
        return self.failures > 0

"""Cyclic garbage collection for the notification process, which holds thousands of sockets.

With CPython's default thresholds (700, 10, 10) a node taking 5,000 and then 10,000 sockets spent
~11 s of one benchmark run in collector pauses, single pauses up to 1.1 s, and no notification goes
out during one (docs/performance.md, finding 21). Most of what the collector finds are the reference
cycles that closed connections leave behind (daphne's request and channel objects). So:

- `gc.freeze()` once the application is loaded: the objects of Django and the imported code
  (~120,000) are never scanned again;
- the youngest generation is collected after 10,000 new objects instead of 700
  (NOTIFICATION_GC_THRESHOLDS), so collections come ~14x less often. The oldest generation still
  follows CPython's own rule (only once it has grown by a quarter), so garbage is still collected.
"""

import gc

from eventhub_common.env import MissingSetting

DEFAULT_THRESHOLDS = ("10000", "10", "10")


def parse_thresholds(values: list[str]) -> tuple[int, ...]:
    """`gc.set_threshold` arguments from NOTIFICATION_GC_THRESHOLDS, e.g. `10000,10,10`."""
    try:
        thresholds = tuple(int(value) for value in values)
    except ValueError:
        thresholds = ()
    if not 1 <= len(thresholds) <= 3 or min(thresholds) < 0:
        raise MissingSetting(
            f"NOTIFICATION_GC_THRESHOLDS must be 1 to 3 non-negative integers, e.g. 10000,10,10; got {values!r}"
        )
    return thresholds


def tune_collector(thresholds: tuple[int, ...]) -> None:
    """Freeze what is loaded now and set the collection thresholds; call once the application is loaded."""
    gc.freeze()
    gc.set_threshold(*thresholds)

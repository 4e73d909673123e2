"""Log records from the start-up path without importing `logging` when nobody listens.

`import logging` costs ~8 ms (it pulls in traceback, threading and string), a tenth of what
`pybuilds list` may take. Until something imports logging no handler can exist, so a debug record
would be dropped anyway: `debug` forwards only once logging is loaded (`-v` loads it).
"""

from __future__ import annotations

import sys


def debug(name: str, message: str, *args: object) -> None:
    """`logging.getLogger(name).debug(message, *args)` if logging is in use."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(name).debug(message, *args)


def warning(name: str, message: str, *args: object) -> None:
    """A warning is always shown, so it imports logging (rare paths only)."""
    import logging

    logging.getLogger(name).warning(message, *args)

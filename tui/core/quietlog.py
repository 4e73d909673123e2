"""Log records from the start-up path without importing `logging` when nobody listens.

`import logging` costs ~8 ms (it pulls in traceback, threading and string), a tenth of what
`pybuilds list` may take. Until something imports logging no handler can exist, so a debug record
would be dropped anyway: `debug` forwards only once logging is loaded (`-v` loads it). A warning
is always shown, so it loads logging, and sets it up the way the CLI asked in `configure`.
"""

from __future__ import annotations

import sys

_set_up_when_warning = False
"""`configure` left setting up logging to the first warning (no `-v`, logging not loaded)."""


def configure(verbose: int) -> None:
    """Set up logging for the command line: now when `-v` asks for detail or logging is already
    in use, else when the first warning comes."""
    global _set_up_when_warning
    _set_up_when_warning = not verbose and "logging" not in sys.modules
    if not _set_up_when_warning:
        _set_up(verbose)


def _set_up(verbose: int) -> None:
    import logging

    class LowerCaseLevel(logging.Formatter):
        """`warning: ...`, as the CLI's own warnings read; `-v` adds the logger's name."""

        def formatMessage(self, record: logging.LogRecord) -> str:
            return super().formatMessage(
                logging.makeLogRecord({**record.__dict__, "levelname": record.levelname.lower()})
            )

    handler = logging.StreamHandler()
    handler.setFormatter(
        LowerCaseLevel(
            "%(levelname)s %(name)s: %(message)s" if verbose else "%(levelname)s: %(message)s"
        )
    )
    logging.basicConfig(
        level=(logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)],
        handlers=[handler],
    )


def debug(name: str, message: str, *args: object) -> None:
    """`logging.getLogger(name).debug(message, *args)` if logging is in use."""
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(name).debug(message, *args)


def warning(name: str, message: str, *args: object) -> None:
    """`logging.getLogger(name).warning(message, *args)`, setting logging up first if needed."""
    global _set_up_when_warning
    import logging

    if _set_up_when_warning:
        _set_up_when_warning = False
        _set_up(0)
    logging.getLogger(name).warning(message, *args)

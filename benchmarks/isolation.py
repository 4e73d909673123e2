"""What every benchmark needs to run a tool as a user would, apart from the user's own files."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def tool(name: str) -> str:
    """`name` on PATH, else the one installed beside this interpreter (the venv's)."""
    return shutil.which(name) or str(Path(sys.executable).parent / name)


def isolated_env(home: Path | str, **extra: str) -> dict[str, str]:
    """This environment with `home` as HOME and XDG dirs, an install dir inside it and no
    config files. Bytecode caches are allowed, as after `pip install`."""
    home = str(home)
    return {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "HOME": home,
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_CACHE_HOME": f"{home}/cache",
        "UV_PYTHON_INSTALL_DIR": f"{home}/python",
        "UV_NO_CONFIG": "1",
        **extra,
    }

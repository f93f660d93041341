"""Where a running `helpline run` can be reached: `instance/local-stack.json`.

`helpline run` writes it once the stack is ready (with the ports it really got, which
need not be the defaults) and removes it when it stops; `helpline call` reads it when
`TWILIO_API_BASE` is unset, so a call from another terminal of the same clone reaches
the running stack without exporting anything. A file left by a stack that was killed
names a process that no longer exists and is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

FILE_NAME = "local-stack.json"


@dataclass(frozen=True)
class LocalStack:
    pid: int
    app_url: str
    stand_in_url: str | None


def write(instance_dir: Path, stack: LocalStack) -> Path:
    path = instance_dir / FILE_NAME
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(asdict(stack)) + "\n")
    # Atomic, so a reader never sees half a file.
    temporary.replace(path)
    return path


def read(instance_dir: Path) -> LocalStack | None:
    """The running stack of this instance folder, or None."""
    try:
        data = json.loads((instance_dir / FILE_NAME).read_text())
        stack = LocalStack(pid=int(data["pid"]), app_url=str(data["app_url"]),
                           stand_in_url=data.get("stand_in_url") or None)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return stack if _alive(stack.pid) else None


def remove(instance_dir: Path, pid: int) -> None:
    """Removes the file if it is still this process's (a newer stack may own it)."""
    current = read(instance_dir)
    if current is None or current.pid == pid:
        (instance_dir / FILE_NAME).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""Running the CLI on a real terminal: a child process whose stdin, stdout, stderr and /dev/tty are a
pty (what getpass and `isatty()` see when an operator types the command)."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def on_terminal(database_url: str, args: list[str], answers: tuple[str, ...] = ()) -> tuple[int, str]:
    """The CLI in a child process whose terminal is a pty; each answer is typed after its prompt."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNELAB_")}
    env["TUNELAB_DATABASE_URL"] = database_url
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout, stderr and /dev/tty are the pty
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "app", *args], env)
    output, typed, deadline = b"", 0, time.monotonic() + 60
    while time.monotonic() < deadline:
        if typed < len(answers) and output.count(b"Password") > typed:
            os.write(fd, answers[typed].encode() + b"\n")
            typed += 1
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")

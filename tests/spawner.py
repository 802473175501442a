"""Start `python -m bot` (or a script) as a real process in a few milliseconds.

Starting Python and importing PTB, SQLAlchemy and the bot costs about a second of CPU,
and the subprocess tests (CLI, run modes, crash) start about thirty processes. A
`Spawner` keeps one warm process that has imported all that once and forks it for each
command: the child is a new process with its own pid, working directory, environment,
argv, output files and exit code, runs the real entry point (`runpy`, as `-m` does),
and can be sent SIGINT or SIGKILL like any other. Nothing runs in the warm process
but imports: no event loop, thread, connection or logging set-up is inherited.

`test_cli.py::test_migrate` and `test_run_modes.py::test_missing_token_…` still start a
cold `python -m bot`, so a start from nothing stays covered.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# What the children import anyway; `bot.__main__` is left out (runpy runs it as __main__).
PRELOAD = (
    "telegram",
    "telegram.ext",
    "sqlalchemy.dialects.sqlite.aiosqlite",
    "sqlalchemy.dialects.postgresql.asyncpg",
    "bot.app",
    "bot.cli",
    "bot.config",
    "bot.messaging.sender",
    "bot.messaging.texts",
    "db.migrate",
    # Imported lazily by the tools: migrations, .env, the xlsx reader.
    "aiosqlite",
    "asyncpg",
    "alembic.command",
    "alembic.config",
    "alembic.runtime.environment",
    "mako.template",
    "dotenv",
    "openpyxl",
)


@dataclass
class Child:
    """A forked process: the parts of `subprocess.Popen` the tests use."""

    spawner: Spawner
    pid: int
    returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.spawner.request(op="poll", pid=self.pid)["code"]
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(9)

    def wait(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.005)
        return code

    async def finished(self, timeout: float = 60.0) -> int:
        """`wait` without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            await asyncio.sleep(0.005)
        return code


class Spawner:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = subprocess.Popen(
            [sys.executable, "-c", "from tests.spawner import serve; serve()"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def request(self, **message: Any) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps(message).encode() + b"\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        assert line, f"the spawner died (code {self._proc.poll()})"
        return json.loads(line)

    def spawn(
        self,
        args: list[str],
        *,
        env: dict[str, str],
        cwd: Path,
        stdout: Path,
        stderr: Path | None = None,
        script: Path | None = None,
    ) -> Child:
        """`python -m bot *args` (or `python script *args`), output to files, in `cwd`."""
        answer = self.request(
            op="spawn",
            args=args,
            env=env,
            cwd=str(cwd),
            stdout=str(stdout),
            stderr=str(stderr or stdout),
            script=str(script) if script else None,
        )
        return Child(self, answer["pid"])

    def run(
        self, args: list[str], *, env: dict[str, str], cwd: Path, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        """Like `subprocess.run(["python", "-m", "bot", *args], capture_output=True, text=True)`."""
        out, err = cwd / ".spawn-stdout", cwd / ".spawn-stderr"
        code = self.spawn(args, env=env, cwd=cwd, stdout=out, stderr=err).wait(timeout)
        done = subprocess.CompletedProcess(
            ["python", "-m", "bot", *args], code, out.read_text(), err.read_text()
        )
        out.unlink()
        err.unlink()
        return done

    def close(self) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        self._proc.wait(timeout=10)


# --- the warm process -----------------------------------------------------------------


def serve() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    answers = os.dup(1)
    children: dict[int, int | None] = {}
    for line in sys.stdin.buffer:
        message = json.loads(line)
        if message["op"] == "spawn":
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                os.close(answers)
                _child(message)  # never returns
            children[pid] = None
            answer: dict[str, Any] = {"pid": pid}
        else:
            pid = message["pid"]
            if children.get(pid) is None:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    children[pid] = os.waitstatus_to_exitcode(status)
            answer = {"code": children[pid]}
        os.write(answers, json.dumps(answer).encode() + b"\n")
    for pid, code in children.items():  # the tests are over: nothing outlives them
        if code is None:
            try:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _child(message: dict[str, Any]) -> None:
    import runpy
    import traceback

    code: int = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        out = os.open(message["stdout"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        err = out
        if message["stderr"] != message["stdout"]:
            err = os.open(message["stderr"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.chdir(message["cwd"])
        os.environ.clear()
        os.environ.update(message["env"])
        sys.path[0] = message["cwd"]  # as `python -m` puts the working directory first
        try:
            if message["script"]:
                sys.argv = [message["script"], *message["args"]]
                runpy.run_path(message["script"], run_name="__main__")
            else:
                sys.argv = ["-m", *message["args"]]
                runpy.run_module("bot", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
    finally:
        os._exit(code)

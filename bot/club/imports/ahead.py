"""Reading and checking a large DMS export in a helper process, ahead of its batches.

Decoding, splitting and checking every field of every row is a fifth or more of an
import's time on the event loop's thread, where the batches are written too (100k visit
rows: about 2 s of 10). A helper process (`python -m bot.club.imports.ahead`) does it on
another core while the batches are written, and hands the checked rows over a pipe in
chunks; the bot's thread only writes them.

- The same checks: the helper runs `RowChecks` (bot.club.imports.checked) on the same
  bytes, so its rows are the ones the bot would have read itself, refusals included.
- Memory stays flat: the helper blocks on the pipe while MAX_BUFFERED rows wait here.
- A file the helper cannot read is refused as the bot would refuse it (FileFormatError,
  at the start or where a bad byte turns up). Should the helper fail in any other way
  (it cannot start, it dies, it is killed), the bot reads the file again itself from the
  row after the last one handed over: nothing is lost, nothing is read twice.
- It ends with the import: closing the source (the import done, failed or cancelled)
  kills it; if the bot itself dies, the helper's next write to the pipe fails and it
  ends too.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, BinaryIO

from bot.club.imports.checked import CheckedRow, InlineRows, RowChecks, checked_rows
from bot.club.imports.dms.reader import FileFormatError, FileKind, open_rows
from bot.club.imports.dms.rows import CarRecord, MemberRecord, RowError, VisitRecord

log = logging.getLogger(__name__)

CHUNK = 250  # rows per message
MAX_BUFFERED = 2000  # rows handed over and not yet taken: a few batches' worth
_RECORDS: dict[FileKind, Any] = {
    FileKind.VISITS: VisitRecord,
    FileKind.CARS: CarRecord,
    FileKind.MEMBERS: MemberRecord,
}
_ROOT = Path(__file__).resolve().parents[3]  # the directory `bot` is in


@dataclass(frozen=True)
class _Job:
    filename: str
    checks: RowChecks
    path: str | None  # the helper opens the file itself; else `size` bytes follow the job
    size: int


# --------------------------------------------------------------------------- #
# The helper's side
# --------------------------------------------------------------------------- #


def _encoded(kind: FileKind, rows: list[CheckedRow]) -> list[tuple[Any, ...]]:
    names = [f.name for f in fields(_RECORDS[kind])]
    out = []
    for number, raw, result in rows:
        values = tuple(raw.values())
        if isinstance(result, RowError):
            out.append((number, values, None, (result.code, result.field)))
        else:
            out.append((number, values, tuple(getattr(result, n) for n in names), None))
    return out


def serve(job_in: BinaryIO, out: BinaryIO) -> None:
    """Read one job from `job_in`, write its messages to `out`: ("kind", kind, fields),
    then ("rows", [...]) chunks, then ("end",); or ("error", code, detail, columns)
    where the file cannot be read."""

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    job: _Job = pickle.load(job_in)
    data: BinaryIO = open(job.path, "rb") if job.path else io.BytesIO(job_in.read(job.size))  # noqa: SIM115
    try:
        try:
            file = open_rows(data, job.filename, job.checks.headers)
        except FileFormatError as exc:
            send(("error", exc.code, exc.detail, exc.columns))
            return
        with file:
            send(("kind", str(file.kind), file.columns))
            rows = checked_rows(iter(file), job.checks.parser(file.kind))
            chunk: list[CheckedRow] = []
            try:
                for row in rows:
                    chunk.append(row)
                    if len(chunk) == CHUNK:
                        send(("rows", _encoded(file.kind, chunk)))
                        chunk = []
            except FileFormatError as exc:
                if chunk:
                    send(("rows", _encoded(file.kind, chunk)))
                send(("error", exc.code, exc.detail, exc.columns))
                return
            if chunk:
                send(("rows", _encoded(file.kind, chunk)))
            send(("end",))
    finally:
        data.close()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the bot's: it ends us
    # The messages own the pipe: anything printed goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        serve(sys.stdin.buffer, out)
    except (BrokenPipeError, EOFError):  # the bot ended the import, or ended
        os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())  # no flush error at exit


# --------------------------------------------------------------------------- #
# The bot's side
# --------------------------------------------------------------------------- #


class _Failed(Exception):
    """The helper ended without saying why (it died, or could not start)."""


class AheadRows:
    """The checked rows of a file, read by a helper process; see the module's note."""

    on_this_thread = False

    def __init__(self, data: BinaryIO, start: int, filename: str, checks: RowChecks) -> None:
        self._data, self._start, self._filename, self._checks = data, start, filename, checks
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._lock = threading.Condition()
        self._chunks: collections.deque[list[CheckedRow]] = collections.deque()
        self._buffered = 0
        self._end: BaseException | None = None  # how the handing over ended, once it has
        self._stopping = False
        self._last = 0  # the number of the last row handed over
        self._current: list[CheckedRow] = []
        self._at = 0
        self._inline: InlineRows | None = None
        self._kind: asyncio.Future[FileKind] = self._loop.create_future()
        self._process: subprocess.Popen[bytes] | None = None
        self._payload = b""
        self._thread: threading.Thread | None = None
        self.kind = FileKind.VISITS  # the file's own, once `start` has it from the helper

    @classmethod
    async def start(cls, data: BinaryIO, filename: str, checks: RowChecks) -> AheadRows | None:
        """The source, once the helper has read the file's header; None when no helper
        could read it (the caller reads the file itself). Raises FileFormatError."""
        start = data.tell()
        self = cls(data, start, filename, checks)
        name = getattr(data, "name", None)
        path = os.path.abspath(name) if isinstance(name, str) and os.path.isfile(name) else None
        payload = b""
        if path is None or start != 0:
            path = None
            payload = data.read()
            data.seek(start)
        job = _Job(filename, checks, path, len(payload))
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_ROOT), environment.get("PYTHONPATH")) if p
        )
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=environment,
            )
        except OSError as exc:
            log.warning("import: no helper process (%s); reading the file here", exc)
            return None
        self._payload = payload  # handed to the helper, then let go (up to 20 MB)
        self._thread = threading.Thread(
            target=self._hand_over, args=(job,), name="import-ahead", daemon=True
        )
        self._thread.start()
        try:
            kind = await self._kind
        except FileFormatError:
            self.close()
            raise
        except _Failed:
            self.close()
            log.warning("import: the helper process failed at the start; reading the file here")
            return None
        except BaseException:
            self.close()
            raise
        self.kind = kind
        return self

    # -- on the helper's thread ------------------------------------------------

    def _hand_over(self, job: _Job) -> None:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None
        end: BaseException
        try:
            pickle.dump(job, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.write(self._payload)
            self._payload = b""
            process.stdin.close()
            end = self._receive(process.stdout)
        except Exception as exc:  # the pipe broke, a message was cut short, the loop ended
            end = _Failed(repr(exc))
        with self._lock:
            self._end = end
        with contextlib.suppress(RuntimeError):  # the loop has closed: no one is waiting
            self._loop.call_soon_threadsafe(self._settle_kind, end)

    def _receive(self, stream: BinaryIO) -> BaseException:
        fields_: tuple[str, ...] = ()
        record: Any = None
        while True:
            message = pickle.load(stream)
            if message[0] == "rows":
                rows: list[CheckedRow] = [
                    (
                        number,
                        dict(zip(fields_, values, strict=True)),
                        record(*done) if refused is None else RowError(*refused),
                    )
                    for number, values, done, refused in message[1]
                ]
                with self._lock:
                    while self._buffered >= MAX_BUFFERED and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return _Failed("stopped")
                    self._chunks.append(rows)
                    self._buffered += len(rows)
                    self._last = rows[-1][0]
                self._loop.call_soon_threadsafe(self._ready.set)
            elif message[0] == "kind":
                kind, fields_ = FileKind(message[1]), tuple(message[2])
                record = _RECORDS[kind]
                self._loop.call_soon_threadsafe(self._settle_kind, kind)
            elif message[0] == "error":
                return FileFormatError(message[1], message[2], message[3])
            else:  # "end"
                return StopIteration()

    # -- on the event loop -----------------------------------------------------

    def _settle_kind(self, outcome: Any) -> None:
        if not self._kind.done():
            if isinstance(outcome, BaseException):
                self._kind.set_exception(
                    outcome if isinstance(outcome, FileFormatError | _Failed) else _Failed("end")
                )
            else:
                self._kind.set_result(outcome)
        self._ready.set()

    async def _next_chunk(self) -> list[CheckedRow] | None:
        """The next chunk handed over; None at the end of the file. Raises
        FileFormatError where the helper found the file unreadable; goes on reading the
        file here where the helper failed."""
        while True:
            with self._lock:
                if self._chunks:
                    chunk = self._chunks.popleft()
                    self._buffered -= len(chunk)
                    self._lock.notify_all()
                    return chunk
                end, last = self._end, self._last
                if end is None:
                    self._ready.clear()
            if end is None:
                await self._ready.wait()
                continue
            if isinstance(end, StopIteration):
                return None
            if isinstance(end, FileFormatError):
                raise end
            log.warning("import: the helper process failed (%s); reading on from row %d", end, last)
            self._data.seek(self._start)
            self._inline = InlineRows(self._data, self._filename, self._checks, after=last)
            return None

    async def take(self, count: int) -> list[CheckedRow]:
        out: list[CheckedRow] = []
        while len(out) < count:
            if self._inline is not None:
                out += self._inline.take_now(count - len(out))
                break
            if self._at == len(self._current):
                chunk = await self._next_chunk()
                if chunk is None:
                    if self._inline is not None:
                        continue
                    break
                self._current, self._at = chunk, 0
            taken = self._current[self._at : self._at + count - len(out)]
            self._at += len(taken)
            out += taken
        return out

    def close(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()  # its pipe ends: the thread's read ends too
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if process is not None:
            process.wait()
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
        if self._inline is not None:
            self._inline.close()
            self._inline = None


if __name__ == "__main__":
    main()

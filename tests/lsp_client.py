"""A minimal LSP client over stdio (raw JSON-RPC), for the language server tests and bench.

It starts a server process, writes requests and notifications with their `Content-Length`
headers, and reads every message on a thread: answers by id, and notifications (published
diagnostics, shown messages) as they come, so a test can wait for the diagnostics of a file.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

TIMEOUT = 60.0


def uri(path: Path | str) -> str:
    return "file://" + quote(str(Path(path).resolve()))


class Client:
    """One server process and what it sent."""

    def __init__(self, command: list[str], cwd: Path | None = None) -> None:
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
        )
        self.next_id = 0
        self.answers: dict[int, dict[str, Any]] = {}
        self.notes: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.messages: list[str] = []
        #: What `workspace/configuration` answers, by section (yaml-language-server asks).
        self.settings: dict[str, Any] = {}
        self.lock = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    # --- the wire -------------------------------------------------------------------------

    def send_raw(self, body: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _send(self, message: dict[str, Any]) -> None:
        self.send_raw(json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8"))

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(out.read(length))
            with self.lock:
                if "id" in message and "method" not in message:
                    self.answers[message["id"]] = message
                elif message.get("method") == "textDocument/publishDiagnostics":
                    p = message["params"]
                    self.diagnostics[p["uri"]] = p["diagnostics"]
                    self.notes.put(message)
                elif message.get("method") == "window/showMessage":
                    self.messages.append(message["params"]["message"])
                elif message.get("method") == "workspace/configuration":
                    items = message["params"]["items"]
                    answer = [self.settings.get(i.get("section", ""), None) for i in items]
                    self._send({"id": message["id"], "result": answer})
                elif "id" in message:  # a request of the server (e.g. registration): accept
                    self._send({"id": message["id"], "result": None})
                self.lock.notify_all()

    # --- requests -------------------------------------------------------------------------

    def request(self, method: str, params: Any, timeout: float = TIMEOUT) -> Any:
        """Send a request and wait for its answer; its `result` (an error raises)."""
        answer = self.request_raw(method, params, timeout)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer.get("result")

    def request_raw(self, method: str, params: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self.lock:
            while rid not in self.answers:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"no answer to {method}")
                self.lock.wait(left)
            return self.answers.pop(rid)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_diagnostics(self, file_uri: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """The next diagnostics published for a file."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no diagnostics for {file_uri}")
            note = self.notes.get(timeout=left)
            if note["params"]["uri"] == file_uri:
                return list(note["params"]["diagnostics"])

    def drain(self) -> None:
        """Forget the diagnostics notifications received so far."""
        while not self.notes.empty():
            self.notes.get_nowait()

    # --- the session ----------------------------------------------------------------------

    def initialize(self, root: Path, encodings: list[str] | None = None) -> Any:
        general = {"general": {"positionEncodings": encodings}} if encodings else {}
        result = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri(root),
                "capabilities": {
                    **general,
                    "textDocument": {
                        "completion": {"completionItem": {"snippetSupport": True}},
                        "hover": {"contentFormat": ["markdown", "plaintext"]},
                        "rename": {"prepareSupport": True},
                    },
                },
            },
        )
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None) -> None:
        self.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri(path),
                    "languageId": "yaml",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8") if text is None else text,
                }
            },
        )

    def change(self, path: Path, text: str, version: int = 2) -> None:
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri(path), "version": version},
                "contentChanges": [{"text": text}],
            },
        )

    def edit(self, path: Path, old: str, new: str, version: int) -> None:
        """Send the change from `old` to `new` as an editor does: one range replaced (the text
        between their common start and end; positions counted for ASCII text)."""
        start = 0
        limit = min(len(old), len(new))
        while start < limit and old[start] == new[start]:
            start += 1
        end = 0
        while end < limit - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]:
            end += 1
        a, b = position_at(old, start), position_at(old, len(old) - end)
        self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri(path), "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": a[0], "character": a[1]},
                            "end": {"line": b[0], "character": b[1]},
                        },
                        "text": new[start : len(new) - end],
                    }
                ],
            },
        )

    def at(self, method: str, path: Path, line: int, character: int, **extra: Any) -> Any:
        params = {
            "textDocument": {"uri": uri(path)},
            "position": {"line": line, "character": character},
        }
        return self.request(method, {**params, **extra})

    def shutdown(self) -> int:
        """Shut the server down as an editor does; its exit code."""
        self.request("shutdown", None)
        self.notify("exit", None)
        try:
            return self.proc.wait(timeout=30)
        finally:
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream is not None:
                    stream.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()


def position_at(text: str, i: int) -> tuple[int, int]:
    """0-based (line, character) of offset `i` of `text`."""
    return text.count("\n", 0, i), i - (text.rfind("\n", 0, i) + 1)


def position_of(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """0-based (line, character) of the first `needle` in `text`, plus `offset` characters."""
    i = text.index(needle) + offset
    line = text.count("\n", 0, i)
    return line, i - (text.rfind("\n", 0, i) + 1)

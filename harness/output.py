"""A command's output kept in bounded memory: its head and its tail, whatever it prints.

`verify` passes a command's output through to the terminal as it comes and reads what is kept to find
the lines that name a SKU. A chatty command once took `verify` to 1.3 GB; now at most
`head + tail` bytes stay, with a note of how much was left out between them.
"""

from __future__ import annotations

from collections import deque

HEAD_BYTES = 4 * 1024 * 1024
TAIL_BYTES = 4 * 1024 * 1024
LINE_BYTES = 64 * 1024  # a line longer than this arrives in pieces


class BoundedOutput:
    def __init__(self, head_bytes: int = HEAD_BYTES, tail_bytes: int = TAIL_BYTES) -> None:
        self.head_bytes, self.tail_bytes = head_bytes, tail_bytes
        self._head: list[str] = []
        self._head_size = 0
        self._tail: deque[str] = deque()
        self._tail_size = 0
        self.dropped = 0  # characters left out between head and tail

    def append(self, line: str) -> None:
        if self._head_size + len(line) <= self.head_bytes and not self._tail:
            self._head.append(line)
            self._head_size += len(line)
            return
        self._tail.append(line)
        self._tail_size += len(line)
        while self._tail_size > self.tail_bytes and len(self._tail) > 1:
            gone = self._tail.popleft()
            self._tail_size -= len(gone)
            self.dropped += len(gone)

    def text(self) -> str:
        middle = [f"... {self.dropped} characters of output not kept ...\n"] if self.dropped else []
        return "".join([*self._head, *middle, *self._tail])

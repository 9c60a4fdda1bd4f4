"""How a generated run's example space is cut up: into blocks of seeds, shared out to workers and shards.

`--examples N --seed S` (with `--workers` above 1 or a `--shard`) is ceil(N / BLOCK) hypothesis runs,
block b drawing its examples from its own seed, derived from (S, b). The blocks depend on N and S only,
so any number of workers and any split into shards run the same examples; shard I/N takes every N-th
block starting with the I-th. `--example-db` is hypothesis' own example database, shared by them all.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

BLOCK_EXAMPLES = 10  # each hypothesis run starts with its simplest example: blocks not too small
T = TypeVar("T")


@dataclass(frozen=True)
class Block:
    index: int
    seed: int
    examples: int


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI matrices count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def take(self, items: list[T]) -> list[T]:
        return items[self.index - 1 :: self.count]


def block_seed(seed: int, index: int) -> int:
    digest = hashlib.sha256(f"catalog-harness:{seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def blocks(examples: int, seed: int, size: int = BLOCK_EXAMPLES) -> list[Block]:
    return [
        Block(i, block_seed(seed, i), min(size, examples - start))
        for i, start in enumerate(range(0, max(examples, 0), size))
    ]


def parse_shard(text: str) -> Shard:
    """argparse type for --shard I/N."""
    index, _, count = text.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N, e.g. 1/4") from None
    if not 1 <= shard.index <= shard.count:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be between 1 and N")
    return shard


def default_workers() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse_workers(text: str) -> int:
    """argparse type for --workers N."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of worker processes") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least 1")
    return value


def open_database(spec: str | None) -> Any:
    """hypothesis' example database for --example-db: a directory, or redis://host:port/db."""
    if not spec:
        return None
    if spec.startswith(("redis://", "rediss://", "unix://")):
        import redis
        from hypothesis.extra.redis import RedisExampleDatabase

        return RedisExampleDatabase(redis.Redis.from_url(spec))
    from hypothesis.database import DirectoryBasedExampleDatabase

    return DirectoryBasedExampleDatabase(spec)


@contextlib.contextmanager
def stable_generation() -> Iterator[None]:
    """Examples that depend on the seed alone, not on which modules this process has imported.

    hypothesis (6.13x+) mixes constants found in the source of every *local* module loaded so far into
    generation, so the same seed draws other examples in a worker, a pytest run or a CI machine with a
    different install. Blocks are compared across processes and machines: their runs see no local
    constants (hypothesis' own global ones still apply).
    """
    from hypothesis.internal.conjecture import providers

    original = providers._get_local_constants
    providers._get_local_constants = lambda: providers.Constants()
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()

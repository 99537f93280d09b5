"""Sorting text for people: the Unicode Collation Algorithm (pyuca's default table), Madrid, Málaga, Murcia."""

from __future__ import annotations

import functools

import pyuca


@functools.cache
def collator() -> pyuca.Collator:
    """The Unicode Collation Algorithm's default table (loaded once)."""
    return pyuca.Collator()


@functools.lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> tuple[int, ...]:
    """A sort key ordering text as the Unicode Collation Algorithm does; kept, as the same labels are sorted
    again and again and pyuca computes a key in pure Python."""
    return collator().sort_key(text)

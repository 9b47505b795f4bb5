"""The vectorised MinHash path (shingles, signature, band keys) against plain-Python references.

The fast versions fold several numpy steps into one (densification without index arrays, band sums as a
matrix product); stored signatures and the decisions taken on them depend on every bit, so each is checked
against an obviously correct loop on texts of every length class: none, under one shingle, fewer shingles
than bins (many empty bins), and long.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from monitor.stories.neardup import BANDS, NUM_BINS, ROWS, SHINGLE, _band_keys, _shingle_hashes, _signature

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
MUL = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9


def reference_hashes(text: str) -> list[int]:
    codes = [ord(c) for c in text]
    out = []
    for i in range(len(codes) - SHINGLE + 1):
        h = 0
        for c in codes[i : i + SHINGLE]:
            h = ((h + c) * MUL) & M64
        h ^= h >> 31
        h = (h * MIX1) & M64
        h ^= h >> 29
        out.append(h)
    return sorted(out)


def reference_signature(hashes: list[int]) -> list[int]:
    minimum: dict[int, int] = {}
    for h in hashes:
        b = h >> 58
        minimum[b] = min(minimum.get(b, h), h)
    sig = []
    for b in range(NUM_BINS):
        # the next non-empty bin at or to the right of b, wrapping
        distance = next(d for d in range(NUM_BINS) if (b + d) % NUM_BINS in minimum)
        value = (minimum[(b + distance) % NUM_BINS] >> 26) & M32
        sig.append((value + distance * 0x9E3779B1) & M32)
    return sig


def reference_band_keys(sig: list[int]) -> tuple[int, ...]:
    muls = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D)
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS]
        keys.append((sum(r * m for r, m in zip(rows, muls, strict=True)) & M64) ^ (band << 56))
    return tuple(keys)


def texts() -> list[str]:
    rng = random.Random(7)
    alphabet = "가나다라마바사아자차카타파하한미일공급망반도체abcxyz0123456789"
    lengths = [0, 1, SHINGLE - 1, SHINGLE, SHINGLE + 1, 12, 40, NUM_BINS, 70, 150, 600, 3000]
    return ["".join(rng.choice(alphabet) for _ in range(n)) for n in lengths for _ in range(6)]


@pytest.mark.parametrize("text", texts())
def test_minhash_matches_the_plain_python_reference(text: str) -> None:
    hashes = _shingle_hashes(text)
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == reference_hashes(text)
    if not len(hashes):
        assert len(text) < SHINGLE
        return
    sig = _signature(hashes)
    assert sig.dtype == np.uint32 and len(sig) == NUM_BINS
    assert sig.tolist() == reference_signature(hashes.tolist())
    keys = _band_keys(sig)
    assert keys == reference_band_keys(sig.tolist())
    assert all(type(k) is int for k in keys)


def test_a_single_shingle_fills_every_bin_from_its_own() -> None:
    sig = _signature(_shingle_hashes("한미일공급"))
    values = sig.tolist()
    assert len(set(values)) == NUM_BINS  # each empty bin offsets the one value by its own distance

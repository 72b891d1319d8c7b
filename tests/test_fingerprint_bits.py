"""The SimHash's bits counted in lanes of big integers are the bits counted column by column."""

from __future__ import annotations

import hashlib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kzfeed.stories._dedupe import _majority_bits, shingles, simhash


def _plain(hashes: list[int]) -> int:
    """Each of the 64 bits set when more than half of ``hashes`` have it, signed."""
    value = sum(1 << bit for bit in range(64) if 2 * sum(h >> bit & 1 for h in hashes) > len(hashes))
    return value - (1 << 64) if value >= 1 << 63 else value


def _joined(hashes: list[int]) -> int:
    return int.from_bytes(b"".join(h.to_bytes(8, "big") for h in hashes), "big")


HASH = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 2**64 - 1, 2**63, 1, 0x5555555555555555]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(hashes=st.lists(HASH, max_size=600))
@example(hashes=[2**64 - 1] * 255)  # the widest count of 8-bit lanes
@example(hashes=[2**64 - 1] * 128 + [0] * 128)  # exactly half: not set
@example(hashes=[2**64 - 1] * 129 + [0] * 127)
@example(hashes=[2**64 - 1] * 256)  # 16-bit lanes
def test_lanes_count_as_columns_do(hashes: list[int]) -> None:
    assert _majority_bits(_joined(hashes), len(hashes)) == _plain(hashes)


def test_counts_beyond_16_bit_lanes() -> None:
    hashes = [2**64 - 1] * 32_768 + [0x0F0F0F0F0F0F0F0F] * 2 + [0] * 32_768  # 65,538: 32-bit lanes
    assert _majority_bits(_joined(hashes), len(hashes)) == _plain(hashes)
    hashes = hashes[:-3]  # 65,535: the widest count of 16-bit lanes
    assert _majority_bits(_joined(hashes), len(hashes)) == _plain(hashes)


def test_simhash_is_the_majority_of_the_shingles_hashes() -> None:
    text = "The European Union and Kazakhstan signed a memorandum on critical raw materials in Astana. " * 3
    hashes = [
        int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big") for s in shingles(text)
    ]
    assert simhash(text) == _plain(hashes)

"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1, over SHA-256.

Pure Python, no Django: an auditor's tool can import it alone. Leaves are byte strings (for
decision records, the 32 bytes of a record's sha256); every hash is 32 raw bytes.

- leaf hash   = SHA-256(0x00 || leaf)
- node hash   = SHA-256(0x01 || left || right)
- MTH({})     = SHA-256("")
- MTH(D[n])   = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two smaller than n

An inclusion proof of leaf m in a tree of size n is RFC 9162's PATH(m, D[n]) (2.1.3.1) and is
checked with the algorithm of 2.1.3.2, which needs nothing but the leaf, the proof and the root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf): the hash of one entry."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes already computed (an empty sequence gives SHA-256 of "")."""
    if not hashes:
        return EMPTY_ROOT
    # Fold the binary decomposition of n: perfect subtrees left to right, combined right to left.
    stack: list[tuple[int, bytes]] = []
    for h in hashes:
        _push(stack, h)
    return _fold(stack)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaves themselves."""
    return root_of_hashes([leaf_hash(leaf) for leaf in leaves])


def _push(stack: list[tuple[int, bytes]], h: bytes) -> None:
    """Append one leaf hash to a stack of perfect subtrees (size, hash), merging equal sizes."""
    size, value = 1, h
    while stack and stack[-1][0] == size:
        left_size, left = stack.pop()
        size, value = left_size + size, node_hash(left, value)
    stack.append((size, value))


def _fold(stack: Sequence[tuple[int, bytes]]) -> bytes:
    """The root of the tree whose perfect subtrees, left to right, are on the stack."""
    value = stack[-1][1]
    for _size, left in reversed(stack[:-1]):
        value = node_hash(left, value)
    return value


def prefix_roots(hashes: Iterable[bytes], sizes: Iterable[int]) -> dict[int, bytes]:
    """MTH of the first n leaf hashes for each n in `sizes`, in one pass (O(N + k log N)).

    Sizes larger than the number of hashes are left out of the answer.
    """
    wanted = sorted(set(sizes))
    roots: dict[int, bytes] = {}
    if wanted and wanted[0] <= 0:
        roots[0] = EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []
    position = 0
    pending = [n for n in wanted if n > 0]
    index = 0
    for h in hashes:
        if index >= len(pending):
            break
        _push(stack, h)
        position += 1
        while index < len(pending) and pending[index] == position:
            roots[position] = _fold(stack)
            index += 1
    return roots


def inclusion_path(index: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1 for leaf `index`, from the leaf hashes of the tree.

    Raises ValueError when the index is outside the tree.
    """
    n = len(hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of {n} leaves")
    path: list[bytes] = []
    lo, hi, m = 0, n, index
    # Walk down from the root; each level contributes the sibling subtree's root. The RFC's
    # recursion appends the sibling after the deeper path, so collect top-down and reverse.
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            path.append(root_of_hashes(hashes[lo + k : hi]))
            hi = lo + k
        else:
            path.append(root_of_hashes(hashes[lo : lo + k]))
            lo, m = lo + k, m - k
    path.reverse()
    return path


def root_from_inclusion(
    index: int, size: int, leaf_hash_value: bytes, path: Sequence[bytes]
) -> bytes | None:
    """The root that an inclusion proof leads to (RFC 9162 2.1.3.2), or None if it is malformed."""
    if not 0 <= index < size or len(leaf_hash_value) != HASH_SIZE:
        return None
    fn, sn = index, size - 1
    r = leaf_hash_value
    for p in path:
        if sn == 0 or len(p) != HASH_SIZE:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf_hash_value: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether the proof shows that the leaf hash is entry `index` of the tree with this root."""
    found = root_from_inclusion(index, size, leaf_hash_value, path)
    return found is not None and found == expected_root

"""The RFC 9162 Merkle tree: the RFC's definitions, Certificate Transparency's vectors, and
properties over random trees."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decisions.integrity import merkle

# Certificate Transparency's reference vectors (RFC 6962 = RFC 9162 hashing): leaf inputs,
# the root of the first n leaves for n = 0..8, and inclusion proofs in the tree of 8.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    0: [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    5: [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


# The RFC's definitions, written out literally (2.1.1 and 2.1.3.1), to test the fast code against.
def rfc_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n <= 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*rfc_path(m, leaves[:k]), rfc_mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), rfc_mth(leaves[:k])]


def hashes(leaves: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(leaf) for leaf in leaves]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_certificate_transparency_vectors(size: int) -> None:
    assert merkle.root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]
    assert merkle.root_of_hashes(hashes(CT_LEAVES[:size])).hex() == CT_ROOTS[size]


@pytest.mark.parametrize("index", sorted(CT_INCLUSION))
def test_inclusion_proofs_match_certificate_transparency_vectors(index: int) -> None:
    path = merkle.inclusion_path(index, hashes(CT_LEAVES))
    assert [p.hex() for p in path] == CT_INCLUSION[index]
    assert merkle.verify_inclusion(
        index, 8, merkle.leaf_hash(CT_LEAVES[index]), path, bytes.fromhex(CT_ROOTS[8])
    )


def test_prefix_roots_give_every_size_in_one_pass() -> None:
    roots = merkle.prefix_roots(hashes(CT_LEAVES), range(12))
    assert {n: r.hex() for n, r in roots.items()} == dict(enumerate(CT_ROOTS))


def test_an_index_outside_the_tree_has_no_path_and_no_proof() -> None:
    with pytest.raises(ValueError, match="outside a tree of 3"):
        merkle.inclusion_path(3, hashes(CT_LEAVES[:3]))
    leaf = merkle.leaf_hash(CT_LEAVES[0])
    assert merkle.root_from_inclusion(3, 3, leaf, []) is None
    assert merkle.root_from_inclusion(-1, 3, leaf, []) is None
    assert not merkle.verify_inclusion(0, 0, leaf, [], merkle.EMPTY_ROOT)


leaf_lists = st.lists(st.binary(max_size=40), min_size=1, max_size=70)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists)
def test_root_and_paths_equal_the_rfc_definitions(leaves: list[bytes]) -> None:
    leaf_hashes = hashes(leaves)
    assert merkle.root_of_hashes(leaf_hashes) == rfc_mth(leaves)
    for m in range(len(leaves)):
        assert merkle.inclusion_path(m, leaf_hashes) == rfc_path(m, leaves)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_every_leaf_proves_its_inclusion_and_nothing_else_does(
    leaves: list[bytes], data: st.DataObject
) -> None:
    leaf_hashes = hashes(leaves)
    size = len(leaves)
    top = merkle.root_of_hashes(leaf_hashes)
    m = data.draw(st.integers(0, size - 1), label="leaf")
    path = merkle.inclusion_path(m, leaf_hashes)
    assert merkle.verify_inclusion(m, size, leaf_hashes[m], path, top)
    # Another leaf, another index, another size, a changed or shortened path: refused.
    other = merkle.leaf_hash(leaves[m] + b"x")
    assert not merkle.verify_inclusion(m, size, other, path, top)
    if size > 1:
        wrong = data.draw(st.integers(0, size - 1).filter(lambda i: i != m), label="index")
        if leaf_hashes[wrong] != leaf_hashes[m]:
            assert not merkle.verify_inclusion(wrong, size, leaf_hashes[m], path, top)
        assert not merkle.verify_inclusion(m, size, leaf_hashes[m], path[:-1], top)
        flipped = bytearray(path[0])
        flipped[0] ^= 1
        assert not merkle.verify_inclusion(
            m, size, leaf_hashes[m], [bytes(flipped), *path[1:]], top
        )
    assert not merkle.verify_inclusion(m, size, leaf_hashes[m], [*path, top], top)


@settings(max_examples=100, deadline=None)
@given(leaves=st.lists(st.binary(max_size=8), max_size=80), sizes=st.lists(st.integers(0, 90)))
def test_prefix_roots_equal_the_root_of_each_prefix(leaves: list[bytes], sizes: list[int]) -> None:
    roots = merkle.prefix_roots(hashes(leaves), sizes)
    assert set(roots) == {n for n in sizes if n <= len(leaves)}
    for n, found in roots.items():
        assert found == rfc_mth(leaves[:n])


def test_a_leaf_is_not_a_node_second_preimages_are_domain_separated() -> None:
    left, right = merkle.leaf_hash(b"a"), merkle.leaf_hash(b"b")
    # The two-leaf root cannot be passed off as a one-leaf tree of the concatenated hashes.
    assert merkle.root([left + right]) != merkle.root([b"a", b"b"])

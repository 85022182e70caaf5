"""Benchmark what verification against signed heads costs: the records' Merkle tree (RFC 9162)
and Ed25519 signatures of heads.

Run: python scripts/bench_integrity.py [--records 100000] [--heads 1000]. Prints plain lines.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from decisions.integrity import merkle
from decisions.integrity.signing import key_id, sign_head, signature_valid


def timed(label: str, func: Callable[[], object], repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        runs.append(time.perf_counter() - start)
    best = statistics.median(runs)
    shown = f"{best * 1e6:.0f} µs" if best < 0.001 else f"{best * 1000:.1f} ms"
    print(f"{label}: {shown} (median of {repeat})")
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--heads", type=int, default=1_000)
    args = parser.parse_args()
    n = args.records
    records = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    leaves = [merkle.leaf_hash(r) for r in records]
    timed(f"leaf hashes of {n:,} records", lambda: [merkle.leaf_hash(r) for r in records])
    timed(f"Merkle root of {n:,} records", lambda: merkle.root_of_hashes(leaves))
    sizes = [round(n * (i + 1) / args.heads) for i in range(args.heads)]
    timed(
        f"roots of {args.heads:,} heads over {n:,} records (one pass)",
        lambda: merkle.prefix_roots(leaves, sizes),
    )
    index = n // 3
    timed(
        f"inclusion proof of one record among {n:,}", lambda: merkle.inclusion_path(index, leaves)
    )
    path = merkle.inclusion_path(index, leaves)
    top = merkle.root_of_hashes(leaves)
    timed(
        f"verifying that proof ({len(path)} hashes)",
        lambda: merkle.verify_inclusion(index, n, leaves[index], path, top),
        repeat=50,
    )
    key = Ed25519PrivateKey.generate()
    keys = {key_id(key.public_key()): key.public_key()}
    heads = [
        sign_head(
            key,
            seq=i + 1,
            head_sha256=records[i % n].hex(),
            records=sizes[i],
            records_root=top.hex(),
            signed_at="2026-11-29T12:00:00Z",
        )
        for i in range(args.heads)
    ]
    timed(
        f"signing {args.heads:,} heads",
        lambda: [
            sign_head(key, seq=1, head_sha256=top.hex(), records=1, records_root=top.hex(),
                      signed_at="2026-11-29T12:00:00Z")
            for _ in range(args.heads)
        ],
        repeat=3,
    )  # fmt: skip
    timed(
        f"checking {args.heads:,} head signatures",
        lambda: [signature_valid(h, keys) for h in heads],
        repeat=3,
    )


if __name__ == "__main__":
    main()

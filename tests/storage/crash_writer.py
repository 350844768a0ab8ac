"""Crash-test writer: writes through the real Store until killed, acknowledging each write."""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script by the crash test: make the repository importable without installing it.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core.storage.store import Store  # noqa: E402

SEGMENT_RECORDS = 10
MAX_SEGMENTS = 10
POSITION_KEYS = 20
ORDER_LIFETIME = 52  # ops between an order's put and its delete (both n % 5 cases line up)
OPS = 5


def body(n: int) -> str:
    """Deterministic payload, long enough that a torn write would show, with non-ASCII text."""
    return f"{n}:" + "é€" * (n % 7) + "x" * (300 + n % 400)


def position_key(n: int) -> str:
    return f"p{(n // OPS) % POSITION_KEYS}"


def main() -> None:
    root, start = Path(sys.argv[1]), int(sys.argv[2])
    out = sys.stdout
    with Store(root, segment_records=SEGMENT_RECORDS, max_segments=MAX_SEGMENTS) as store:
        out.write("ready\n")
        out.flush()
        n = start
        while True:
            op = n % OPS
            if op == 0:
                store.put("positions", position_key(n), {"n": n, "body": body(n)})
                out.write(f"ok {n}\n")
            elif op == 1:
                number = store.append("signals", {"n": n, "body": body(n)})
                out.write(f"ok {n} {number}\n")
            elif op == 2:
                store.put("orders", f"o{n}", {"n": n, "body": body(n)})
                out.write(f"ok {n}\n")
            elif op == 3:
                number = store.tail("signals", 1)[0]["_no"]
                store.update_entry("signals", number, outcome=n)
                out.write(f"ok {n} {number}\n")
            else:
                store.delete("orders", f"o{n - ORDER_LIFETIME}")
                out.write(f"ok {n}\n")
            out.flush()
            n += 1


if __name__ == "__main__":
    main()

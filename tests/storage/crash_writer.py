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
ORDER_LIFETIME = 51  # ops between an order's put and its delete (both n % 7 cases line up)
OPS = 7
BATCH = 3  # records per append_many
LATE = 12  # how far back the late update reaches: often into the previous segment


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
            elif op == 4:
                store.delete("orders", f"o{n - ORDER_LIFETIME}")
                out.write(f"ok {n}\n")
            elif op == 5:
                docs = [{"n": n, "k": k, "body": body(n)} for k in range(BATCH)]
                numbers = store.append_many("signals", docs)
                out.write(f"ok {n} {' '.join(map(str, numbers))}\n")
            else:
                number = store.tail("signals", 1)[0]["_no"] - LATE
                if number >= 1:
                    store.update_entry("signals", number, late=n)
                out.write(f"ok {n} {max(number, 0)}\n")
            out.flush()
            n += 1


if __name__ == "__main__":
    main()

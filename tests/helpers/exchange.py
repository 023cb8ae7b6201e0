"""Atomically swaps two paths over and over (renameat2 RENAME_EXCHANGE) for a
bounded time, then leaves them as they were (an even number of swaps).

usage: exchange.py <path-a> <path-b> <seconds>
Prints "ready" once the first swap worked, then the swap count at the end.
"""
import ctypes
import os
import platform
import sys
import time

AT_FDCWD = -100
RENAME_EXCHANGE = 2
# renameat2 syscall numbers, for a libc without the wrapper (glibc < 2.28).
SYSCALL = {"x86_64": 316, "aarch64": 276}

libc = ctypes.CDLL(None, use_errno=True)
a, b, seconds = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), float(sys.argv[3])

if hasattr(libc, "renameat2"):
    def exchange():
        return libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
else:
    number = SYSCALL[platform.machine()]
    def exchange():
        return libc.syscall(number, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)


def swap():
    if exchange() != 0:
        err = ctypes.get_errno()
        sys.stderr.write(f"renameat2 failed: {os.strerror(err)}\n")
        sys.exit(2)


swap()
swap()
print("ready", flush=True)
count = 2
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    swap()
    swap()
    count += 2
print(count, flush=True)

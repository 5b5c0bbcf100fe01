"""Keeping freed tensor memory in the process instead of handing it back to the kernel.

glibc's malloc serves blocks above its mmap threshold (128 KiB to start with) by mmap and
returns them with munmap when freed, and trims the top of its heap above 128 KiB.  A batched
search allocates and frees the same few hundred KiB-sized tensors at every step, so every step
touched fresh pages: in a fresh process, the batched L-BFGS on the ReLU population loss at
k = 16 (256 starts) took about 150 000 minor page faults, a fifth of its CPU time spent in the
kernel zeroing pages (glibc raises its mmap threshold by itself once a large block is freed, so a
process that ran large kernels before pays less).  Raising both thresholds keeps those blocks in
the heap for reuse (the process keeps its peak heap instead of shrinking back), which removes
the faults.

Only the allocator's policy changes: no value computed by the harness depends on it.  On a C
library without ``mallopt`` (macOS, musl) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value on 64-bit: blocks above it still use mmap
TRIM_THRESHOLD = 2**30  # free heap top kept before trimming: above any batch the harness runs


@functools.cache
def retain_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; whether it took effect."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))

"""Fills the file system holding PATH to its last byte with the file PATH
(a ballast for scripts/load/faults: remove the file to free the space).

  python fill_disk.py PATH
"""

import errno
import os
import sys


def main():
    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    written = 0
    # Large blocks until one does not fit, then smaller ones down to a page.
    for block in (1 << 20, 1 << 16, 1 << 12, 1 << 9):
        chunk = b"\0" * block
        while True:
            try:
                written += os.write(fd, chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
    os.close(fd)
    print(f"ballast of {written / 1e6:.1f} MB: nothing more fits", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The thumbnail worker. It has a bug: it keeps every thumbnail it ever made in a cache that is
never emptied, so it takes more memory every moment it runs, until something stops it."""
import time

cache = []
made = 0
while True:
    # 8 MiB of "thumbnails", written (not just reserved), so the memory is really used.
    cache.append(bytearray(b'\x01') * (8 * 1024 * 1024))
    made += 1
    if made % 8 == 0:
        print(f'worker: {made * 8} MiB of thumbnails cached', flush=True)
    time.sleep(0.05)

"""Fire work at the same moment from many threads, each on its own database connection (concurrency tests)."""

import threading

from django.db import connection


def run_parallel(count, work, *, timeout=120):
    """Run `work(i)` for i in range(count) in `count` threads released together by a barrier; their results in order.

    Each thread has its own connection (Django opens one per thread) and closes it at the end, so nothing leaks into
    the next test. The first exception a thread raised is raised here."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def runner(i):
        try:
            barrier.wait(timeout=timeout)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError("parallel work did not finish in time")
    if errors:
        raise errors[0]
    return results

"""The collector pause of big writes (store/gcpause.py): it nests across threads and gives
back the state it found."""

import gc
import threading

from chitieu.store.gcpause import collector_paused


def test_the_collector_runs_again_after_the_last_big_write():
    assert gc.isenabled()
    inside, go = threading.Event(), threading.Event()

    def other() -> None:
        with collector_paused():
            inside.set()
            go.wait(5)

    t = threading.Thread(target=other)
    with collector_paused():
        assert not gc.isenabled()
        t.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other thread is still in its write
    go.set()
    t.join()
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_when_the_write_fails():
    try:
        with collector_paused():
            raise ValueError("a refused write")
    except ValueError:
        pass
    assert gc.isenabled()

"""The scan command pauses the cyclic garbage collector only for its own duration."""

from __future__ import annotations

import gc

from pgdiag.cli.memory import cyclic_gc_paused


def test_collector_is_paused_inside_and_resumed_after_even_on_error() -> None:
    assert gc.isenabled()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
            raise KeyError("boom")
    except KeyError:
        pass
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with cyclic_gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()

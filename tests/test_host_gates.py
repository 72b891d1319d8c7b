"""The per-host gates of one fetcher: kept while a host is being fetched, not for the whole run."""

from __future__ import annotations

import threading

import pytest

from kzfeed.http import FetchPolicy, _polite
from kzfeed.http._polite import HostGates


def _gates(min_delay: float = 0.0) -> HostGates:
    return HostGates(FetchPolicy(user_agent="kzfeed/test (+mailto:t@example.org)", min_delay=min_delay))


def test_a_run_of_many_hosts_keeps_no_gate_of_the_hosts_it_is_done_with() -> None:
    gates = _gates()
    for n in range(1000):
        with gates.turn(f"site{n}.example"):
            assert len(gates) == 1
    assert len(gates) == 0


def test_a_gate_in_use_is_kept_and_shared() -> None:
    gates = _gates()
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with gates.turn("a.example"):
            inside.set()
            leave.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(5)
    with gates.turn("a.example"):  # per_host_concurrency 2: the second turn shares the gate
        assert len(gates) == 1
    assert len(gates) == 1  # the first turn still runs
    leave.set()
    holder.join(5)
    assert len(gates) == 0


def test_a_gate_whose_delay_runs_is_kept_until_it_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(_polite.time, "monotonic", lambda: now[0])
    gates = _gates(min_delay=30.0)
    with gates.turn("a.example"):
        pass
    assert len(gates) == 1  # the next start to a.example is still held back
    for n in range(199):
        with gates.turn(f"site{n}.example"):
            pass
    assert len(gates) == 200  # all of them held back
    now[0] += 31.0  # their delays are over: new hosts sweep them away (at twice the last count)
    for n in range(199, 299):
        with gates.turn(f"site{n}.example"):
            pass
    assert len(gates) < 150  # without the sweep: 300

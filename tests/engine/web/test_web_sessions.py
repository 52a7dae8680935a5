"""The web page's session store keeps memory bounded (engine.web.sessions)."""

from __future__ import annotations

from types import SimpleNamespace

from engine.web.sessions import SessionStore


def signed_in(user: str) -> SimpleNamespace:
    return SimpleNamespace(user=SimpleNamespace(handle=user))


def test_a_user_keeps_at_most_per_user_sessions_and_loses_the_oldest():
    store = SessionStore(3600, per_user=3)
    tokens = [store.create(signed_in("ann"))[0] for _ in range(4)]
    other, _ = store.create(signed_in("bob"))
    assert store.get(tokens[0]) is None
    assert all(store.get(token) is not None for token in [*tokens[1:], other])


def test_the_store_keeps_at_most_total_sessions():
    store = SessionStore(3600, total=5)
    tokens = [store.create(signed_in(f"user{n}"))[0] for n in range(8)]
    assert [store.get(token) is not None for token in tokens] == [False] * 3 + [True] * 5

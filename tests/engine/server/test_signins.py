"""The sign-in throttle (engine.server.signins) on a clock the tests move."""

from __future__ import annotations

import pytest

from engine.errors import AuthenticationFault, TooManySignIns
from engine.server.signins import SignInThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wrong_password() -> None:
    raise AuthenticationFault("Invalid username/password", code=10001)


def fail(throttle: SignInThrottle, account: str, address: str | None = "10.0.0.1") -> None:
    with pytest.raises(AuthenticationFault) as caught, throttle.attempt(account, address):
        wrong_password()
    assert not isinstance(caught.value, TooManySignIns)


def test_an_account_is_refused_after_its_limit_until_the_oldest_failure_ages_out():
    clock = Clock()
    throttle = SignInThrottle(account_limit=3, window=60, clock=clock)
    for _ in range(3):
        fail(throttle, "Ann@Acme.test")
        clock.now += 10
    with pytest.raises(TooManySignIns) as caught, throttle.attempt(" ann@acme.TEST", None):
        pytest.fail("the password must not be checked")
    assert caught.value.http_status == 429 and caught.value.code == 10001
    assert caught.value.retry_after == 30  # the first failure leaves the window at 1060
    clock.now = 1060.0
    with throttle.attempt("ann@acme.test", None):
        pass  # signed in: the account's count starts again
    fail(throttle, "ann@acme.test")
    with throttle.attempt("ann@acme.test", None):
        pass


def test_an_address_is_refused_for_every_account_and_only_wrong_passwords_count():
    throttle = SignInThrottle(account_limit=100, address_limit=2, clock=Clock())
    fail(throttle, "a@x.test", "10.0.0.9")
    with pytest.raises(AuthenticationFault), throttle.attempt("b@x.test", "10.0.0.9"):
        raise AuthenticationFault("no credentials", code=10000)  # not a guess: not counted
    fail(throttle, "b@x.test", "10.0.0.9")
    refused = pytest.raises(TooManySignIns, match="for this address")
    with refused, throttle.attempt("c@x.test", "10.0.0.9"):
        pass
    with throttle.attempt("c@x.test", "10.0.0.10"):
        pass


def test_memory_is_bounded_by_forgetting_the_oldest_keys():
    throttle = SignInThrottle(account_limit=1, max_keys=4, clock=Clock())
    for n in range(10):
        fail(throttle, f"user{n}@x.test", None)
    assert len(throttle._failures) == 4
    with throttle.attempt("user0@x.test", None):
        pass  # forgotten
    with pytest.raises(TooManySignIns), throttle.attempt("user9@x.test", None):
        pass

"""The sign-in throttle (engine.server.signins) on a clock the tests move."""

from __future__ import annotations

import threading
import time

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


def test_concurrent_guesses_are_counted_as_they_start_not_as_they_end():
    """Thirty guesses at once (the server checks passwords on a thread pool) all passed the
    check before the first wrong password was counted: the limit let 30 through, not 3. Now
    an attempt counts while its password is checked, so only 3 are checked; a sign-in that
    is no wrong password gives its count back."""
    throttle = SignInThrottle(account_limit=3, address_limit=100, clock=Clock())
    release = threading.Event()
    checked, refused = [], []

    def guess() -> None:
        try:
            with throttle.attempt("ann@acme.test", "10.0.0.1"):
                checked.append(1)
                release.wait(10)
                wrong_password()
        except TooManySignIns:
            refused.append(1)
        except AuthenticationFault:
            pass

    threads = [threading.Thread(target=guess) for _ in range(30)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(checked) + len(refused) < 30 and time.monotonic() < deadline:
        time.sleep(0.01)  # every guess checked or refused, none answered yet
    release.set()
    for thread in threads:
        thread.join()
    assert (len(checked), len(refused)) == (3, 27)
    other = SignInThrottle(account_limit=1, clock=Clock())
    with pytest.raises(AuthenticationFault), other.attempt("bob@acme.test", None):
        raise AuthenticationFault("no credentials", code=10000)  # given back: not a guess
    with other.attempt("bob@acme.test", None):
        pass

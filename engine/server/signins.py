"""Failed sign-ins, counted per account and per client address, for every front end that
checks a password (the IPS web service, the web page).

A password guesser gets ``account_limit`` wrong passwords per account and ``address_limit``
per client address within ``window`` seconds; further attempts from there are refused
with :class:`TooManySignIns` (HTTP 429, ``Retry-After``) *before* the password is checked,
until the oldest failure leaves the window. An attempt counts from the moment its password
check starts (and is taken back unless the password was wrong), so guesses sent in parallel
cannot all pass the check before the first is counted. A successful sign-in clears its account's
count. Attempts are counted for unknown e-mails too, so the refusal says nothing about
which accounts exist. The counts live in server memory, bounded to ``max_keys`` accounts
and addresses (the oldest are forgotten first). The address is the peer the ASGI server
reports: behind a reverse proxy, let the ASGI server take it from the proxy's headers
(uvicorn's ``--forwarded-allow-ips``), or every client shares the proxy's count.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator

from starlette.requests import Request

from engine.errors import AuthenticationFault, TooManySignIns

ACCOUNT_LIMIT = 10
ADDRESS_LIMIT = 50
WINDOW = 900.0  # seconds


class SignInThrottle:
    """Sliding-window counts of failed sign-ins; see the module's text."""

    def __init__(
        self,
        *,
        account_limit: int = ACCOUNT_LIMIT,
        address_limit: int = ADDRESS_LIMIT,
        window: float = WINDOW,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self._limits = {"account": account_limit, "address": address_limit}
        self._max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def attempt(self, account: str, address: str | None) -> Iterator[None]:
        """Around one password check: refuses it while ``account`` or ``address`` is over
        its limit, counts a wrong password (``AuthenticationFault`` 10001), and clears the
        account's count when the block ends without one."""
        keys = self._keys(account, address)
        stamp = self._reserve(keys)  # counted while checked: parallel guesses wait their turn
        wrong_password = False
        try:
            yield
        except AuthenticationFault as fault:
            wrong_password = fault.code == AuthenticationFault.INVALID_CREDENTIALS
            raise
        finally:
            if not wrong_password:
                self._release(keys, stamp)
        with self._lock:
            self._failures.pop(keys[0], None)

    @staticmethod
    def _keys(account: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", account.strip().casefold())]
        if address:
            keys.append(("address", address))
        return keys

    def _reserve(self, keys: list[tuple[str, str]]) -> float:
        """Refuse the attempt while a key is at its limit, else count it as a failure now
        (in one step, so that concurrent attempts cannot all pass before any is counted)."""
        now = self._clock()
        with self._lock:
            found = [self._recent(key, now) for key in keys]
            for key, failures in zip(keys, found, strict=True):
                if failures is not None and len(failures) >= self._limits[key[0]]:
                    wait = max(1, math.ceil(failures[0] + self.window - now))
                    raise TooManySignIns(
                        f"too many failed sign-ins for this {key[0]}: try again in {wait} s",
                        retry_after=wait,
                    )
            for key, failures in zip(keys, found, strict=True):
                if failures is None:
                    failures = self._failures[key] = deque(maxlen=self._limits[key[0]])
                failures.append(now)
                self._failures.move_to_end(key)
            while len(self._failures) > self._max_keys:
                self._failures.popitem(last=False)
        return now

    def _release(self, keys: list[tuple[str, str]], stamp: float) -> None:
        """Take back what :meth:`_reserve` counted: the attempt was no wrong password."""
        with self._lock:
            for key in keys:
                failures = self._failures.get(key)
                if failures is not None and stamp in failures:
                    failures.remove(stamp)
                    if not failures:
                        del self._failures[key]

    def _recent(self, key: tuple[str, str], now: float) -> deque[float] | None:
        """The failures of ``key`` still inside the window (called with the lock held)."""
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures


def client_address(request: Request) -> str | None:
    """The address failed sign-ins of ``request`` are counted under."""
    return request.client.host if request.client else None

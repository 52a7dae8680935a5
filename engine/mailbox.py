"""E-mail addresses: a user's address must be exactly one mailbox (``name@domain``), because
job notifications are sent to it; ``ann@acme.test, eve@evil.test`` would reach two people."""

from __future__ import annotations

from email.headerregistry import Address


def single_mailbox(text: str) -> Address:
    """The mailbox ``text`` names; ValueError (saying why) unless it is exactly one
    ``local-part@domain`` address without a display name, as RFC 5322 writes it."""
    problem = "expected one address such as name@example.com"
    try:
        address = Address(addr_spec=text)
    except Exception as exc:  # the parser raises several types, all meaning "not one address"
        raise ValueError(f"{problem} ({exc})") from None
    if not address.username or not address.domain:
        raise ValueError(problem)
    return address

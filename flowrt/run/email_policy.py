"""The outbound email policy: the rule engine of the outbound-email-policy block.

Amazon Connect's email forwarding asks that a forward goes to exactly one To address; the rest
(blocked and allowed addresses and domains, recipient counts) is the policy the block states.
The runtime applies it to a running contact (`Runtime.email_policy`), and the email session to an
agent's forward, reply or outbound email.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def _in_domain(domain: str, listed: Iterable[str]) -> str | None:
    for d in listed:
        d = d.lower()
        if domain == d or domain.endswith("." + d):
            return d
    return None


def evaluate_policy(
    policy: Any, to: Sequence[str], cc: Sequence[str], forward: bool = True
) -> tuple[str, str]:
    """(decision, reason) of the outbound-email-policy block; the reason starts with its rule.

    Order: a forward has exactly one To (Amazon Connect: Forward email contacts), then blocked
    addresses and domains, then the
    allowed lists (when any is given), then the number of recipients: over `max-recipients` is
    denied, over `approval-above` needs a manager's approval.  Domains match their subdomains;
    comparisons ignore case.
    """
    if forward and len(to) != 1:
        return "denied", f"one-to-address: a forward has exactly one To address, not {len(to)}"
    listed = [("To", a.lower()) for a in to] + [("Cc", a.lower()) for a in cc]
    blocked_a = {a.lower() for a in policy.blocked_addresses}
    allowed_a = {a.lower() for a in policy.allowed_addresses}
    allowed = [("allowed-domains", policy.allowed_domains), ("allowed-addresses", allowed_a)]
    rule = "/".join(name for name, values in allowed if values)
    for field, r in listed:
        domain = r.rpartition("@")[2]
        if r in blocked_a:
            return "denied", f"blocked-addresses: {r} ({field}) is a blocked address"
        hit = _in_domain(domain, policy.blocked_domains)
        if hit is not None:
            return "denied", f"blocked-domains: {r} ({field}) is in the blocked domain {hit}"
        if rule and r not in allowed_a and _in_domain(domain, policy.allowed_domains) is None:
            return "denied", f"{rule}: {r} ({field}) is not an allowed recipient"
    count = len(listed)
    if policy.max_recipients is not None and count > policy.max_recipients:
        return "denied", f"max-recipients: {count} recipients; at most {policy.max_recipients}"
    if policy.approval_above is not None and count > policy.approval_above:
        return "needs-approval", (
            f"approval-above: {count} recipients; more than {policy.approval_above} need a "
            "manager's approval"
        )
    return "allowed", "allowed: every recipient is allowed"

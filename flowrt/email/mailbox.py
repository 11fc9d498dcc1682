"""`Mailbox`: an in-memory, mutable copy of the instance's email state, and its operations.

The addresses and their aliases (Amazon Connect: AssociateEmailAddressAlias), each queue's
"From" addresses (Amazon Connect: AssociateQueueEmailAddresses), the email
contacts created so far (`EmailContact`, their contact records) and the ClientTokens seen.  Its
methods are the operations of the API with their documented rules (AssociateEmailAddressAlias,
DescribeEmailAddress, AssociateQueueEmailAddresses, ...); they raise the API's errors
(flowrt.email.errors).  The email session (flowrt.email.session) and the client (flowrt.client)
each keep one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowrt.email.errors import (
    IdempotencyException,
    InvalidParameterException,
    LimitExceededException,
    Path,
    ResourceConflictException,
    ResourceNotFoundException,
)
from flowrt.email.request import StartEmailContactRequest
from flowrt.lang.instance import MAX_QUEUE_EMAIL_ADDRESSES

if TYPE_CHECKING:
    from flowrt.lang.instance import Instance


@dataclass
class AddressState:
    """One email address of the instance."""

    address: str
    display_name: str | None = None
    flow: str | None = None


@dataclass
class EmailContact:
    """An email contact created by StartEmailContact: its contact record."""

    contact_id: str
    request: StartEmailContactRequest
    sent_to: str
    delivered_to: str
    flow: str
    attributes: dict[str, str]
    related_contact_id: str | None = None
    expiry_minutes: int | None = None
    notes: list[str] = field(default_factory=list)
    #: The run of its flow (a flowrt.run.trace.Result), once it ran.
    result: Any = None


class Mailbox:
    """The instance's email state, mutable: addresses, aliases, queue "From" addresses, contacts.

    Built from an `Instance` (which it never changes).  Addresses are identified by the address
    itself (an `EmailAddressId` may also be an ARN ending in `/email-address/<address>`);
    comparisons ignore case.  Alias relationships are kept as primary -> alias (AssociateEmailAddressAlias, read as
    the parameter descriptions say: the path's EmailAddressId is the primary, the body's
    AliasConfiguration.EmailAddressId the alias).
    """

    def __init__(self, instance: Instance | None) -> None:
        self.instance = instance
        self.addresses: dict[str, AddressState] = {}
        self.aliases: dict[str, str] = {}
        self.queue_default: dict[str, str | None] = {}
        self.queue_others: dict[str, list[str]] = {}
        self.contacts: dict[str, EmailContact] = {}
        #: (operation, ClientToken) -> (fingerprint of the request, its result).
        self.tokens: dict[tuple[str, str], tuple[str, Any]] = {}
        if instance is None:
            return
        for addr, e in instance.email_addresses.items():
            self.addresses[addr.lower()] = AddressState(addr, e.display_name, e.flow)
        for addr, e in instance.email_addresses.items():
            if e.alias is not None and e.alias.lower() in self.addresses:
                self.aliases[addr.lower()] = e.alias.lower()
        for qname, q in instance.queues.items():
            emails = q.email_addresses
            self.queue_default[qname] = emails.default if emails else None
            self.queue_others[qname] = list(emails.others) if emails else []

    # -- lookups -------------------------------------------------------------------------------

    def find(self, address_id: str | None) -> AddressState | None:
        """The address an EmailAddressId names (the address, or an ARN ending in it)."""
        if not address_id:
            return None
        key = address_id.rsplit("/email-address/", 1)[-1].lower()
        return self.addresses.get(key)

    def primary_of(self, address: str) -> str | None:
        """The primary address `address` is the alias of, if any."""
        low = address.lower()
        for primary, alias in self.aliases.items():
            if alias == low:
                return self.addresses[primary].address
        return None

    def alias_of(self, address: str) -> str | None:
        alias = self.aliases.get(address.lower())
        return self.addresses[alias].address if alias else None

    def deliver_to(self, address: str) -> AddressState | None:
        """Where mail to `address` arrives: the primary when it is an alias."""
        state = self.find(address)
        if state is None:
            return None
        primary = self.primary_of(state.address)
        return self.find(primary) if primary else state

    def from_addresses(self, queue: str) -> list[str]:
        """A queue's "From" addresses: its default outbound address first."""
        default = self.queue_default.get(queue)
        return ([default] if default else []) + self.queue_others.get(queue, [])

    def arn(self, address: str) -> str:
        base = self.instance.arn if self.instance else "arn:aws:connect:::instance/unknown"
        return f"{base}/email-address/{address}"

    # -- idempotency ---------------------------------------------------------------------------

    def replay(self, operation: str, token: str | None, fingerprint: str) -> tuple[bool, Any]:
        """(True, earlier result) for a retry; IdempotencyException if the token was reused."""
        if token is None:
            return False, None
        seen = self.tokens.get((operation, token))
        if seen is None:
            return False, None
        if seen[0] != fingerprint:
            raise IdempotencyException(
                f"ClientToken `{token}` was already used with a different {operation} request",
                operation,
                path=("ClientToken",),
            )
        return True, seen[1]

    def remember(self, operation: str, token: str | None, fingerprint: str, result: Any) -> None:
        if token is not None:
            self.tokens[(operation, token)] = (fingerprint, result)

    # -- aliases (AssociateEmailAddressAlias) -------------------------------------------------

    def _need(self, address_id: str, op: str, path: Path) -> AddressState:
        state = self.find(address_id)
        if state is None:
            raise ResourceNotFoundException(
                f"email address `{address_id}` does not exist in the instance", op, path=path
            )
        return state

    def associate_alias(self, email_address_id: str, alias_id: str, token: str | None) -> None:
        """AssociateEmailAddressAlias: `alias_id` becomes the alias of `email_address_id`."""
        op = "AssociateEmailAddressAlias"
        done, _ = self.replay(op, token, f"{email_address_id}\0{alias_id}")
        if done:
            return
        primary = self._need(email_address_id, op, ("EmailAddressId",))
        alias = self._need(alias_id, op, ("AliasConfiguration", "EmailAddressId"))
        p, a = primary.address.lower(), alias.address.lower()
        if p == a:
            raise InvalidParameterException(
                f"`{primary.address}` cannot be its own alias", op, path=("AliasConfiguration",)
            )
        if self.aliases.get(p) == a:
            self.remember(op, token, f"{email_address_id}\0{alias_id}", None)
            return
        self._alias_conflicts(primary, alias, op)
        self.aliases[p] = a
        self.remember(op, token, f"{email_address_id}\0{alias_id}", None)

    def _alias_conflicts(self, primary: AddressState, alias: AddressState, op: str) -> None:
        p, a = primary.address.lower(), alias.address.lower()
        conflicts = [
            (
                p in self.aliases,
                f"`{primary.address}` already has an alias "
                f"(`{self.alias_of(primary.address)}`); an address has at most one alias",
            ),
            (
                self.primary_of(primary.address) is not None,
                f"`{primary.address}` is the alias of `{self.primary_of(primary.address)}`, so it "
                "cannot have an alias: no alias chains",
            ),
            (
                a in self.aliases,
                f"`{alias.address}` has an alias of its own (`{self.alias_of(alias.address)}`), so "
                "it cannot be an alias: no alias chains",
            ),
            (
                self.primary_of(alias.address) is not None,
                f"`{alias.address}` is already the alias of `{self.primary_of(alias.address)}`",
            ),
        ]
        for broken, message in conflicts:
            if broken:
                raise ResourceConflictException(message, op, path=("AliasConfiguration",))

    def disassociate_alias(self, email_address_id: str, alias_id: str, token: str | None) -> None:
        """DisassociateEmailAddressAlias: remove the relationship; both must exist."""
        op = "DisassociateEmailAddressAlias"
        done, _ = self.replay(op, token, f"{email_address_id}\0{alias_id}")
        if done:
            return
        primary = self._need(email_address_id, op, ("EmailAddressId",))
        alias = self._need(alias_id, op, ("AliasConfiguration", "EmailAddressId"))
        if self.aliases.get(primary.address.lower()) != alias.address.lower():
            raise ResourceNotFoundException(
                f"`{alias.address}` is not the alias of `{primary.address}`",
                op,
                path=("AliasConfiguration",),
            )
        del self.aliases[primary.address.lower()]
        self.remember(op, token, f"{email_address_id}\0{alias_id}", None)

    def delete_address(self, email_address_id: str) -> None:
        """DeleteEmailAddress: the address goes, and with it every alias relationship.

        flowrt refuses to delete a queue's default outbound address (ResourceConflictException)
        and drops the address from the queues' other "From" addresses.
        """
        op = "DeleteEmailAddress"
        state = self._need(email_address_id, op, ("EmailAddressId",))
        low = state.address.lower()
        for queue, default in self.queue_default.items():
            if default is not None and default.lower() == low:
                raise ResourceConflictException(
                    f"`{state.address}` is the default outbound address of queue `{queue}`",
                    op,
                )
        self.aliases = {p: a for p, a in self.aliases.items() if low not in (p, a)}
        for queue, others in self.queue_others.items():
            self.queue_others[queue] = [o for o in others if o.lower() != low]
        del self.addresses[low]

    def describe(self, email_address_id: str) -> dict[str, Any]:
        """DescribeEmailAddress, with the alias relationships the address takes part in."""
        state = self._need(email_address_id, "DescribeEmailAddress", ("EmailAddressId",))
        related = [self.alias_of(state.address), self.primary_of(state.address)]
        out: dict[str, Any] = {
            "EmailAddressId": state.address,
            "EmailAddressArn": self.arn(state.address),
            "EmailAddress": state.address,
            "AliasConfigurations": [{"EmailAddressId": r} for r in related if r is not None],
        }
        if state.display_name is not None:
            out["DisplayName"] = state.display_name
        return out

    def search(self, criteria: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """SearchEmailAddresses: every address (optionally a StringCondition) with its aliases."""
        found = [self.describe(s.address) for s in self.addresses.values()]
        cond = (criteria or {}).get("StringCondition")
        if cond:
            name = cond.get("FieldName", "EmailAddress")
            value = str(cond.get("Value", "")).lower()
            how = cond.get("ComparisonType", "EXACT")
            tests: dict[str, Callable[[str], bool]] = {
                "EXACT": lambda v: v == value,
                "STARTS_WITH": lambda v: v.startswith(value),
                "CONTAINS": lambda v: value in v,
            }
            test = tests.get(how)
            if test is None:
                raise InvalidParameterException(
                    f"ComparisonType `{how}` is not one of EXACT, STARTS_WITH, CONTAINS",
                    "SearchEmailAddresses",
                )
            found = [f for f in found if test(str(f.get(name, "")).lower())]
        return {"EmailAddresses": found, "ApproximateTotalCount": len(found)}

    # -- queue "From" addresses (AssociateQueueEmailAddresses) --------------------------------

    def associate_queue_addresses(
        self, queue: str, address_ids: list[str], token: str | None
    ) -> None:
        """AssociateQueueEmailAddresses: at most 50 with the default; all must exist."""
        op = "AssociateQueueEmailAddresses"
        fp = json.dumps([queue, address_ids])
        done, _ = self.replay(op, token, fp)
        if done:
            return
        if queue not in self.queue_others:
            raise ResourceNotFoundException(
                f"queue `{queue}` does not exist", op, path=("QueueId",)
            )
        if not 1 <= len(address_ids) <= MAX_QUEUE_EMAIL_ADDRESSES:
            raise InvalidParameterException(
                f"EmailAddressesConfig has {len(address_ids)} items; 1 to "
                f"{MAX_QUEUE_EMAIL_ADDRESSES} are allowed",
                op,
                path=("EmailAddressesConfig",),
            )
        states = [
            self._need(a, op, ("EmailAddressesConfig", i, "EmailAddressId"))
            for i, a in enumerate(address_ids)
        ]
        have = {a.lower() for a in self.from_addresses(queue)}
        new = []
        for s in states:
            if s.address.lower() not in have:
                have.add(s.address.lower())
                new.append(s.address)
        if len(have) > MAX_QUEUE_EMAIL_ADDRESSES:
            raise LimitExceededException(
                f"queue `{queue}` would have {len(have)} email addresses; at most "
                f"{MAX_QUEUE_EMAIL_ADDRESSES} (1 default outbound + 49 others)",
                op,
                path=("EmailAddressesConfig",),
            )
        self.queue_others[queue].extend(new)
        self.remember(op, token, fp, None)

    def disassociate_queue_addresses(self, queue: str, address_ids: list[str]) -> None:
        """DisassociateQueueEmailAddresses: remove addresses from a queue's other addresses."""
        op = "DisassociateQueueEmailAddresses"
        if queue not in self.queue_others:
            raise ResourceNotFoundException(
                f"queue `{queue}` does not exist", op, path=("QueueId",)
            )
        gone = {
            self._need(a, op, ("EmailAddressesId", i)).address.lower()
            for i, a in enumerate(address_ids)
        }
        self.queue_others[queue] = [o for o in self.queue_others[queue] if o.lower() not in gone]

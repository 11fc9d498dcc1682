"""What Amazon Connect's Store customer input keeps of the keys a customer presses.

`get-customer-input` with `store-input: true` (GetParticipantInput with `StoreInput: "True"`)
stores what the customer entered in `$.StoredCustomerInput` instead of branching on it.  Amazon
Connect's "Flow block in Amazon Connect: Store customer input" and the flow language reference
("GetParticipantInput") say what is kept:

- collection ends at the termination sequence (`DTMFConfiguration.InputTerminationSequence`;
  `#` when none is given), which is not stored, or after `MaximumLength` digits;
- `*` cancels what was entered so far unless `DisableCancelKey` is "True" (then `*` is a digit);
- with `PhoneNumberValidation` the input must be a phone number: `E164` a full E.164 number,
  `Local` a number of the given country (without `+` and the country code); otherwise the block
  takes InvalidPhoneNumber;
- with `InputEncryption` the stored value is ciphertext: a dry run stores an opaque marker, never
  the digits;
- no input at all: Success, with the value `Timeout`.

`stored_input` is pure (text in, text out) so that both the run step (`store_input_step`) and
tests use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowrt.lang.blocks.base import Step
    from flowrt.lang.compiler import Node
    from flowrt.run.runtime import Runtime

#: What a dry run stores for an encrypted input: opaque, like the ciphertext Connect stores.
ENCRYPTED = "[encrypted]"
#: What Connect stores when the customer entered nothing before the timeout.
TIMEOUT = "Timeout"
_E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
#: Country calling codes and national number lengths flowrt checks a `Local` number against;
#: other countries accept 4 to 14 digits (E.164 allows 15 with the country code).
COUNTRIES: dict[str, tuple[str, tuple[int, ...]]] = {
    "US": ("1", (10,)),
    "CA": ("1", (10,)),
    "GB": ("44", (10,)),
    "DE": ("49", (10, 11)),
    "FR": ("33", (9,)),
    "AU": ("61", (9,)),
    "JP": ("81", (10,)),
}


@dataclass(frozen=True)
class InputRules:
    """The Store customer input options of one block (see the module)."""

    max_length: int | None = None
    phone_format: str | None = None  # "local" | "e164"
    country: str | None = None
    encrypted: bool = False
    termination: str | None = None
    disable_cancel_key: bool = False


def stored_input(rules: InputRules, keys: str) -> tuple[str, str | None]:
    """(value stored, why the input is invalid or None) for the keys the customer pressed."""
    if keys == "":
        return TIMEOUT, None
    end = rules.termination or "#"
    if end in keys:
        keys = keys[: keys.index(end)]
    if not rules.disable_cancel_key and "*" in keys:
        # The cancel key drops what was entered before it; collection carries on after it.
        keys = keys[keys.rindex("*") + 1 :]
    if rules.max_length is not None:
        keys = keys[: rules.max_length]
    if rules.phone_format is not None:
        number = _phone(rules, keys)
        if number is None:
            return keys, _phone_problem(rules, keys)
        keys = number
    return (ENCRYPTED if rules.encrypted else keys), None


def _phone(rules: InputRules, keys: str) -> str | None:
    """The E.164 number `keys` stands for, or None when it is not a valid one."""
    if rules.phone_format == "e164":
        number = keys if keys.startswith("+") else "+" + keys
        return number if _E164.match(number) else None
    if not keys.isdigit():
        return None
    code, lengths = COUNTRIES.get(rules.country or "", ("", tuple(range(4, 15))))
    if len(keys) not in lengths:
        return None
    return f"+{code}{keys}" if code else keys


def _phone_problem(rules: InputRules, keys: str) -> str:
    if rules.phone_format == "e164":
        return f"{keys!r} is not an E.164 phone number"
    _, lengths = COUNTRIES.get(rules.country or "", ("", tuple(range(4, 15))))
    sizes = " or ".join(str(n) for n in lengths) if len(lengths) < 3 else "4 to 14"
    return f"{keys!r} is not a local {rules.country} phone number ({sizes} digits)"


def store_input_step(play: Callable[[Runtime], None], block: Any, name: str) -> Step:
    """The run step of a `get-customer-input` with `store-input: true` (Store customer input):
    the kept input goes to `$.StoredCustomerInput` by the rules above."""
    from flowrt.lang.refs import TextTooLong
    from flowrt.lang.steps import text_too_long

    pn, dtmf = block.phone_number, block.dtmf
    rules = InputRules(
        max_length=block.max_length,
        phone_format=pn.format if pn is not None else None,
        country=pn.country_code if pn is not None else None,
        encrypted=block.encryption is not None,
        termination=dtmf.termination_sequence if dtmf is not None else None,
        disable_cancel_key=bool(dtmf is not None and dtmf.disable_cancel_key),
    )

    def store_customer_input(node: Node, rt: Runtime) -> str:
        if rt.contact.channel != "VOICE":
            channel = rt.contact.channel
            rt.fact("error", f"storing customer input is voice only; this is a {channel} contact")
            return "error"
        try:
            play(rt)
        except TextTooLong as exc:
            return text_too_long(rt, "the prompt text", exc, "no input was taken")
        keys = rt.customer_input(name)
        if keys == "error":
            return "error"
        value, problem = stored_input(rules, "" if keys is None or keys == "timeout" else keys)
        if problem is not None:
            rt.fact("error", f"the input {problem}: nothing was stored")
            return "invalid-number"
        rt.stored_input = value
        rt.fact("note", f"stored customer input ($.StoredCustomerInput): {value!r}")
        return "success"

    return store_customer_input

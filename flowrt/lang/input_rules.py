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

`stored_input` is pure (text in, text out) so that both the run step and tests use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

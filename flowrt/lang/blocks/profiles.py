"""Customer profile blocks: find, create and update a profile (Amazon Connect Customer Profiles).

The profiles live in the scenario's world (`profiles:`); a run that creates or updates one sees
the change for the rest of the run (flowrt.run.services).  After each block the profile's fields
named in `fields` are readable as `$.Customer.<Field>`, and its ID as `$.Customer.ProfileId`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from flowrt.lang.blocks.base import ALL, Block, ConnectParam, Step, _fallback

if TYPE_CHECKING:
    from flowrt.lang.compiler import BlockContext, Node
    from flowrt.run.runtime import Runtime

#: The profile fields the flow language reference lists for ProfileRequestData and
#: ProfileResponseData (GetCustomerProfile, CreateCustomerProfile, UpdateCustomerProfile).
ProfileField = Literal[
    "FirstName",
    "LastName",
    "PhoneNumber",
    "EmailAddress",
    "AccountNumber",
    "Address1",
    "Address2",
    "Address3",
    "Address4",
    "City",
    "Country",
    "County",
    "PostalCode",
    "Province",
    "State",
]

_FIELDS_DESCRIPTION = "Profile fields made readable as `$.Customer.<Field>` afterwards."


def _plan_values(cx: BlockContext, values: dict[str, str], key: str) -> None:
    from flowrt.lang.steps import plan_value

    for name, value in values.items():
        cx.template(value, (key, name))
    cx.node.prepared[("run", key)] = tuple(
        (name, *plan_value(cx.node.prepared.get((key, name)), _fallback(value)))
        for name, value in values.items()
    )


class GetCustomerProfile(Block):
    """Get customer profile: find the one profile with this phone number or email address.

    `not-found` when none has it, `multiple-found` when more than one has it (Amazon Connect's
    NoneFoundError and MultipleFoundError), `error` otherwise.
    """

    TYPE: ClassVar[str] = "get-customer-profile"
    CONNECT_TYPE: ClassVar[str] = "GetCustomerProfile"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "not-found", "multiple-found", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("phone_number", "ProfileRequestData.PhoneNumber"),
        ConnectParam("email_address", "ProfileRequestData.EmailAddress"),
        ConnectParam("fields", "ProfileResponseData", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {
        "not-found": "NoneFoundError",
        "multiple-found": "MultipleFoundError",
        "error": "NoMatchingError",
    }

    type: Literal["get-customer-profile"]
    phone_number: str | None = Field(
        None,
        description="The phone number to search for; may hold `$.` references.",
        examples=["$.CustomerEndpoint.Address"],
    )
    email_address: str | None = Field(
        None, description="The email address to search for; may hold `$.` references."
    )
    fields: list[ProfileField] | None = Field(None, description=_FIELDS_DESCRIPTION)

    def check(self, cx: BlockContext) -> None:
        keys = {
            k: v
            for k, v in (("PhoneNumber", self.phone_number), ("EmailAddress", self.email_address))
            if v is not None
        }
        if not keys:
            cx.error(
                "FR084",
                "a profile search needs a search key: `phone-number` or `email-address`",
                (),
                "add `phone-number: $.CustomerEndpoint.Address`",
            )
        _plan_values(cx, keys, "search")

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import read_values

        plan, fields = node.prepared[("run", "search")], tuple(self.fields or ())

        def get_customer_profile(node: Node, rt: Runtime) -> str:
            return rt.svc.get_profile(read_values(rt, plan), fields)

        return get_customer_profile


class CreateCustomerProfile(Block):
    """Create customer profile: add a profile with these field values."""

    TYPE: ClassVar[str] = "create-customer-profile"
    CONNECT_TYPE: ClassVar[str] = "CreateCustomerProfile"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("values", "ProfileRequestData", "json"),
        ConnectParam("fields", "ProfileResponseData", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["create-customer-profile"]
    values: dict[ProfileField, str] | None = Field(
        None,
        description="Field -> value of the new profile; values may hold `$.` references.",
        examples=[{"PhoneNumber": "$.CustomerEndpoint.Address", "FirstName": "Ana"}],
    )
    fields: list[ProfileField] | None = Field(None, description=_FIELDS_DESCRIPTION)

    def check(self, cx: BlockContext) -> None:
        _plan_values(cx, {str(k): v for k, v in (self.values or {}).items()}, "values")

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import read_values

        plan, fields = node.prepared[("run", "values")], tuple(self.fields or ())

        def create_customer_profile(node: Node, rt: Runtime) -> str:
            return rt.svc.change_profile(read_values(rt, plan), fields, create=True)

        return create_customer_profile


class UpdateCustomerProfile(Block):
    """Update customer profile: change fields of the profile found or created earlier in the
    run (`error` when there is none)."""

    TYPE: ClassVar[str] = "update-customer-profile"
    CONNECT_TYPE: ClassVar[str] = "UpdateCustomerProfile"
    BRANCHES: ClassVar[tuple[str, ...]] = ("success", "error")
    DEFAULT_BRANCH: ClassVar[str | None] = "success"
    FLOW_TYPES: ClassVar[frozenset[str]] = ALL
    DECLARATIVE: ClassVar[bool] = True
    CONNECT_PARAMS: ClassVar[tuple[ConnectParam, ...]] = (
        ConnectParam("values", "ProfileRequestData", "json"),
        ConnectParam("fields", "ProfileResponseData", "json"),
    )
    CONNECT_ERRORS: ClassVar[dict[str, str]] = {"error": "NoMatchingError"}

    type: Literal["update-customer-profile"]
    values: dict[ProfileField, str] | None = Field(
        None,
        description="Field -> new value; values may hold `$.` references.",
        examples=[{"City": "Lisbon"}],
    )
    fields: list[ProfileField] | None = Field(None, description=_FIELDS_DESCRIPTION)

    def check(self, cx: BlockContext) -> None:
        _plan_values(cx, {str(k): v for k, v in (self.values or {}).items()}, "values")

    def compile_step(self, node: Node) -> Step:
        from flowrt.lang.steps import read_values

        plan, fields = node.prepared[("run", "values")], tuple(self.fields or ())

        def update_customer_profile(node: Node, rt: Runtime) -> str:
            return rt.svc.change_profile(read_values(rt, plan), fields, create=False)

        return update_customer_profile

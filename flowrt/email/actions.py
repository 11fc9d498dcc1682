"""Agent actions on an email contact, as scenario files write them (`world: agent-actions:`).

Each action is one key: `forward` (Amazon Connect: Forward email contacts), `reply` and
`outbound-email` (AssociateQueueEmailAddresses, the "From" addresses), `transfer` (Forward email
contacts and Set up call transfers, a quick connect).  flowrt.email.session carries them out.
Also `EarlierContact`, a contact that already exists (`world: contacts:`, for RelatedContactId).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Action(BaseModel):
    """Kebab-case keys like the rest of a scenario file."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=lambda n: n.replace("_", "-"),
        populate_by_name=True,
        frozen=True,
    )


class ForwardAction(_Action):
    """Forward the email to external addresses (Amazon Connect): the contact stays with the agent."""

    agent: str = Field(description="The agent (user name) who forwards.")
    to: list[str] = Field(default_factory=list, description="Exactly one To address.")
    cc: list[str] = Field(default_factory=list, description="Any Cc addresses.")
    note: str | None = Field(None, description="The agent's message above the original thread.")
    attachments: list[str] = Field(default_factory=list, description="File names attached.")
    from_address: str | None = Field(
        None, alias="from", description="The From address (default: the queue's default)."
    )
    approved_by: str | None = Field(
        None, description="A manager who approves a forward that needs approval."
    )


class ReplyAction(_Action):
    """Reply to the customer from one of the accepting queue's "From" addresses."""

    agent: str = Field(description="The agent (user name) who replies.")
    from_address: str | None = Field(
        None, alias="from", description="The From address (default: the queue's default)."
    )


class OutboundEmailAction(_Action):
    """Send a new outbound email from the agent's default outbound queue's addresses."""

    agent: str = Field(description="The agent (user name) who sends.")
    to: list[str] = Field(default_factory=list, description="To addresses.")
    cc: list[str] = Field(default_factory=list, description="Cc addresses.")
    subject: str | None = None
    from_address: str | None = Field(
        None, alias="from", description="The From address (default: the queue's default)."
    )


class TransferAction(_Action):
    """Transfer the contact through a quick connect: it leaves the agent."""

    agent: str = Field(description="The agent (user name) who transfers.")
    quick_connect: str = Field(description="The quick connect (agent or queue).")


class AgentAction(_Action):
    """One thing an agent does with the email contact: exactly one key."""

    model_config = _Action.model_config | {
        "json_schema_extra": {"minProperties": 1, "maxProperties": 1}
    }

    forward: ForwardAction | None = None
    reply: ReplyAction | None = None
    outbound_email: OutboundEmailAction | None = None
    transfer: TransferAction | None = None

    def which(
        self,
    ) -> tuple[str, ForwardAction | ReplyAction | OutboundEmailAction | TransferAction]:
        for name in ("forward", "reply", "outbound_email", "transfer"):
            value = getattr(self, name)
            if value is not None:
                return name.replace("_", "-"), value
        raise ValueError("an agent action needs one of forward, reply, outbound-email, transfer")


class EarlierContact(_Action):
    """A contact that already exists in the instance (for RelatedContactId)."""

    attributes: dict[str, str] = Field(default_factory=dict, description="Its attributes.")

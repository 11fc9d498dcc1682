"""The email operations of Amazon Connect's API as botocore's `connect` service model has them.

One table drives the client's parameter checks (flowrt.email.params) and says what it answers:

- `OPERATIONS`: per method of `flowrt.client.ConnectClient`, the API operation it is, its input
  shape, and the keys of its response (besides `ResponseMetadata`);
- `SHAPES`: every shape those inputs are made of, by the model's names.  A line is `Name type`
  then, by type: a structure's members in the model's order (`Member` when its shape has the
  member's name, else `Member:Shape`; `*` marks a required one), a list's member shape, a map's
  key and value shapes; then `min..max` (the length of a string or list, the value of an
  integer; either may be left out) and a string's allowed values (`=VALUE` each).  An indented
  line goes on the one above it.

tests/test_client_botocore.py holds both equal to botocore's model: member names, required
members, types, bounds and allowed values of every shape an operation takes.  When botocore
changes, that test fails and prints the lines to put here.
"""

from __future__ import annotations

from dataclasses import dataclass

#: method -> operation, input shape, response keys (besides ResponseMetadata).
_OPERATIONS = """
start_email_contact StartEmailContact StartEmailContactRequest ContactId
get_contact_attributes GetContactAttributes GetContactAttributesRequest Attributes
update_contact_attributes UpdateContactAttributes UpdateContactAttributesRequest
describe_contact DescribeContact DescribeContactRequest Contact
associate_email_address_alias AssociateEmailAddressAlias AssociateEmailAddressAliasRequest
disassociate_email_address_alias DisassociateEmailAddressAlias
    DisassociateEmailAddressAliasRequest
describe_email_address DescribeEmailAddress DescribeEmailAddressRequest EmailAddressId
    EmailAddressArn EmailAddress DisplayName AliasConfigurations
search_email_addresses SearchEmailAddresses SearchEmailAddressesRequest NextToken
    EmailAddresses ApproximateTotalCount
delete_email_address DeleteEmailAddress DeleteEmailAddressRequest
associate_queue_email_addresses AssociateQueueEmailAddresses
    AssociateQueueEmailAddressesRequest
disassociate_queue_email_addresses DisassociateQueueEmailAddresses
    DisassociateQueueEmailAddressesRequest
list_queue_email_addresses ListQueueEmailAddresses ListQueueEmailAddressesRequest NextToken
    EmailAddressMetadataList
"""

_SHAPES = """
# StartEmailContact
StartEmailContactRequest structure InstanceId* FromEmailAddress*:EmailAddressInfo
    DestinationEmailAddress*:EmailAddress Description References:ContactReferences Name
    EmailMessage*:InboundEmailContent AdditionalRecipients:InboundAdditionalRecipients
    Attachments:EmailAttachments ContactFlowId RelatedContactId:ContactId Attributes
    SegmentAttributes ClientToken
InstanceId string 1..100
EmailAddressInfo structure EmailAddress* DisplayName:EmailAddressDisplayName
EmailAddress string 1..255
EmailAddressDisplayName string 0..256
Description string 0..4096
ContactReferences map ReferenceKey Reference
ReferenceKey string 1..4096
Reference structure Value:ReferenceValue Type*:ReferenceType Status:ReferenceStatus
    Arn:ReferenceArn StatusReason:ReferenceStatusReason
ReferenceValue string 0..4096
ReferenceType string =URL =ATTACHMENT =CONTACT_ANALYSIS =NUMBER =STRING =DATE =EMAIL
    =EMAIL_MESSAGE =EMAIL_MESSAGE_PLAIN_TEXT =EMAIL_MESSAGE_PLAIN_TEXT_REDACTED
    =EMAIL_MESSAGE_REDACTED =VOICEMAIL_RECORDING =VOICEMAIL_RECORDING_REDACTED
    =VOICEMAIL_ANALYSIS =VOICEMAIL_ANALYSIS_REDACTED
ReferenceStatus string =AVAILABLE =DELETED =APPROVED =REJECTED =PROCESSING =FAILED =DRAFTING
ReferenceArn string 20..256
ReferenceStatusReason string 0..100
Name string 0..1024
InboundEmailContent structure MessageSourceType*:InboundMessageSourceType
    RawMessage:InboundRawMessage
InboundMessageSourceType string =RAW
InboundRawMessage structure Subject*:InboundSubject Body* ContentType*:EmailMessageContentType
    Headers:EmailHeaders
InboundSubject string 0..998
Body string 1..5242880
EmailMessageContentType string 1..100
EmailHeaders map EmailHeaderType EmailHeaderValue
EmailHeaderType string =REFERENCES =MESSAGE_ID =IN_REPLY_TO =X_SES_SPAM_VERDICT
    =X_SES_VIRUS_VERDICT
EmailHeaderValue string 1..20000
InboundAdditionalRecipients structure ToAddresses:EmailAddressRecipientList
    CcAddresses:EmailAddressRecipientList
EmailAddressRecipientList list EmailAddressInfo 1..50
EmailAttachments list EmailAttachment 1..50
EmailAttachment structure FileName* S3Url*:PreSignedAttachmentUrl
FileName string 1..256
PreSignedAttachmentUrl string 1..2000
ContactFlowId string ..500
ContactId string 1..256
Attributes map AttributeName AttributeValue
AttributeName string 1..32767
AttributeValue string 0..32767
SegmentAttributes map SegmentAttributeName SegmentAttributeValue
SegmentAttributeName string 1..128
SegmentAttributeValue structure ValueString:SegmentAttributeValueString
    ValueMap:SegmentAttributeValueMap ValueInteger:SegmentAttributeValueInteger
    ValueList:SegmentAttributeValueList ValueArn:SegmentAttributeValueString
SegmentAttributeValueString string 0..1024
SegmentAttributeValueMap map SegmentAttributeName SegmentAttributeValue
SegmentAttributeValueInteger integer
SegmentAttributeValueList list SegmentAttributeValue
ClientToken string ..500

# contacts
GetContactAttributesRequest structure InstanceId* InitialContactId*:ContactId
UpdateContactAttributesRequest structure InitialContactId*:ContactId InstanceId* Attributes*
DescribeContactRequest structure InstanceId* ContactId*

# email addresses and their aliases
AssociateEmailAddressAliasRequest structure EmailAddressId* InstanceId* AliasConfiguration*
    ClientToken
EmailAddressId string 1..500
AliasConfiguration structure EmailAddressId*
DisassociateEmailAddressAliasRequest structure EmailAddressId* InstanceId* AliasConfiguration*
    ClientToken
DescribeEmailAddressRequest structure InstanceId* EmailAddressId*
SearchEmailAddressesRequest structure InstanceId* MaxResults:MaxResult100
    NextToken:NextToken2500 SearchCriteria:EmailAddressSearchCriteria
    SearchFilter:EmailAddressSearchFilter
MaxResult100 integer 1..100
NextToken2500 string 1..2500
EmailAddressSearchCriteria structure OrConditions:EmailAddressSearchConditionList
    AndConditions:EmailAddressSearchConditionList StringCondition
EmailAddressSearchConditionList list EmailAddressSearchCriteria
StringCondition structure FieldName:String Value:String ComparisonType:StringComparisonType
String string
StringComparisonType string =STARTS_WITH =CONTAINS =EXACT
EmailAddressSearchFilter structure TagFilter:ControlPlaneTagFilter
ControlPlaneTagFilter structure OrConditions:TagOrConditionList
    AndConditions:TagAndConditionList TagCondition
TagOrConditionList list TagAndConditionList
TagAndConditionList list TagCondition
TagCondition structure TagKey:String TagValue:String
DeleteEmailAddressRequest structure InstanceId* EmailAddressId*

# the "From" addresses of queues
AssociateQueueEmailAddressesRequest structure InstanceId* QueueId*
    EmailAddressesConfig*:EmailAddressConfigList ClientToken
QueueId string
EmailAddressConfigList list EmailAddressConfig 1..50
EmailAddressConfig structure EmailAddressId*
DisassociateQueueEmailAddressesRequest structure InstanceId* QueueId*
    EmailAddressesId*:EmailAddressIdList ClientToken
EmailAddressIdList list EmailAddressId 1..50
ListQueueEmailAddressesRequest structure InstanceId* QueueId* NextToken MaxResults:MaxResult100
NextToken string
"""

#: The types a shape may have here (botocore's names).
TYPES = ("structure", "list", "map", "string", "integer", "long", "boolean")


@dataclass(frozen=True)
class Shape:
    """One shape of the model: what botocore checks of a value, and what the service bounds."""

    name: str
    type: str
    #: A structure's members in the model's order: (member name, shape name).
    members: tuple[tuple[str, str], ...] = ()
    required: tuple[str, ...] = ()
    #: A list's member shape; a map's key and value shapes.
    member: str = ""
    key: str = ""
    value: str = ""
    min: int | None = None
    max: int | None = None
    enum: tuple[str, ...] = ()

    def line(self) -> str:
        """The shape as a line of the table (one line, unwrapped)."""
        parts = [self.name, self.type]
        for member, shape in self.members:
            star = "*" if member in self.required else ""
            parts.append(f"{member}{star}" if shape == member else f"{member}{star}:{shape}")
        parts.extend(p for p in (self.member, self.key, self.value) if p)
        if self.min is not None or self.max is not None:
            parts.append(
                f"{'' if self.min is None else self.min}..{'' if self.max is None else self.max}"
            )
        parts.extend(f"={v}" for v in self.enum)
        return " ".join(parts)


@dataclass(frozen=True)
class Operation:
    """An API operation of the client: its name, its input shape, the keys of its response."""

    method: str
    name: str
    input: str
    output: tuple[str, ...]


def _lines(text: str) -> list[list[str]]:
    """The table's lines as words: comments and blank lines dropped, indented lines joined."""
    out: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line[0].isspace():
            out[-1].extend(line.split())
        else:
            out.append(line.split())
    return out


def parse_shape(words: list[str]) -> Shape:
    """A table line (as words) as a Shape."""
    name, kind, *rest = words
    if kind not in TYPES:
        raise ValueError(f"shape {name}: unknown type {kind}")
    members: list[tuple[str, str]] = []
    required: list[str] = []
    refs: list[str] = []
    low = high = None
    enum: list[str] = []
    for word in rest:
        if word.startswith("="):
            enum.append(word[1:])
        elif ".." in word:
            a, b = word.split("..")
            low, high = (int(a) if a else None), (int(b) if b else None)
        elif kind == "structure":
            member, _, shape = word.partition(":")
            if member.endswith("*"):
                member = member[:-1]
                required.append(member)
            members.append((member, shape or member))
        else:
            refs.append(word)
    fields: dict[str, str] = {}
    if kind == "list":
        (fields["member"],) = refs
    elif kind == "map":
        fields["key"], fields["value"] = refs
    elif refs:
        raise ValueError(f"shape {name}: unexpected {refs}")
    return Shape(
        name, kind, tuple(members), tuple(required), min=low, max=high, enum=tuple(enum), **fields
    )


SHAPES: dict[str, Shape] = {s.name: s for s in map(parse_shape, _lines(_SHAPES))}
OPERATIONS: dict[str, Operation] = {
    w[0]: Operation(w[0], w[1], w[2], tuple(w[3:])) for w in _lines(_OPERATIONS)
}

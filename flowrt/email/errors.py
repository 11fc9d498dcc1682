"""The Amazon Connect API errors of the email channel, shaped like botocore's `ClientError`.

`ConnectError` and its subclasses, one per error name of the API's error tables (see
docs/email.md): `.response["Error"]["Code"]` is the error's name, `.response["Error"]["Message"]`
the message, `.response["ResponseMetadata"]["HTTPStatusCode"]` its status, and `path` the request
field at fault.  `ERRORS` maps each name to its class.  The request's rules
(flowrt.email.request) and the mailbox's operations (flowrt.email.mailbox) raise them; the
boto3-shaped client (flowrt.client) hands them to its caller.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: The path of a request field: keys and list indexes (`("EmailMessage", "RawMessage")`).
Path = tuple[str | int, ...]


class ConnectError(Exception):
    """An Amazon Connect API error, shaped like botocore's `ClientError`.

    `response["Error"]["Code"]` is the exception's name, `response["Error"]["Message"]` the
    message, `response["ResponseMetadata"]["HTTPStatusCode"]` the status of the API's error
    tables.  `path` is the request field at fault (empty when the request as a whole is).
    """

    CODE: ClassVar[str] = "ConnectException"
    STATUS: ClassVar[int] = 400

    def __init__(
        self, message: str, operation: str = "", *, path: Path = (), reason: str | None = None
    ) -> None:
        self.message = message
        self.operation_name = operation
        self.path = path
        self.reason = reason
        self.response: dict[str, Any] = {
            "Error": {"Code": self.CODE, "Message": message},
            "Message": message,
            "ResponseMetadata": {"HTTPStatusCode": self.STATUS},
        }
        if reason is not None:
            self.response["Reason"] = reason
        where = f" when calling the {operation} operation" if operation else ""
        super().__init__(f"An error occurred ({self.CODE}){where}: {message}")

    @property
    def code(self) -> str:
        return self.CODE

    @property
    def status(self) -> int:
        return self.STATUS


class ResourceNotFoundException(ConnectError):
    """The specified resource was not found (404)."""

    CODE = "ResourceNotFoundException"
    STATUS = 404


class ResourceConflictException(ConnectError):
    """A resource already has that name / the change conflicts with an existing one (409)."""

    CODE = "ResourceConflictException"
    STATUS = 409


class InvalidParameterException(ConnectError):
    """One or more of the specified parameters are not valid (400)."""

    CODE = "InvalidParameterException"
    STATUS = 400


class InvalidRequestException(ConnectError):
    """The request is not valid (400)."""

    CODE = "InvalidRequestException"
    STATUS = 400


class IdempotencyException(ConnectError):
    """The ClientToken was used before with a different request (409)."""

    CODE = "IdempotencyException"
    STATUS = 409


class LimitExceededException(ConnectError):
    """The allowed limit for the resource has been exceeded (429)."""

    CODE = "LimitExceededException"
    STATUS = 429


class AccessDeniedException(ConnectError):
    """You do not have sufficient permissions to perform this action (403)."""

    CODE = "AccessDeniedException"
    STATUS = 403


ERRORS: dict[str, type[ConnectError]] = {
    cls.CODE: cls
    for cls in (
        ResourceNotFoundException,
        ResourceConflictException,
        InvalidParameterException,
        InvalidRequestException,
        IdempotencyException,
        LimitExceededException,
        AccessDeniedException,
    )
}

"""The world's answers to the blocks of `flowrt.lang.blocks.flow_control`: call progress, Voice ID
results, the percentage draw and how waits end.  `World` (flowrt.scenario.model) takes them as
a base class, so they stay together in one place.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flowrt.lang.blocks import Model

OutboundCallStatus = Literal["CallAnswered", "VoicemailBeep", "VoicemailNoBeep", "NotDetected"]


class VoiceIdResults(Model):
    """What Amazon Connect Voice ID answers, per check-voice-id option (see the `world` section of docs/running.md)."""

    enrollment_status: str = Field(
        "Enrolled", description="Result of an enrollmentStatus check: Enrolled, ..."
    )
    voice_authentication: str = Field(
        "Authenticated", description="Result of a voiceAuthentication check: Authenticated, ..."
    )
    fraud_detection: str = Field(
        "Low risk", description="Result of a fraudDetection check: Low risk, High risk, ..."
    )


class BlockAnswers(Model):
    """The world's answers to check-outbound-call-status, check-voice-id,
    distribute-by-percentage and wait (all optional, each with a default)."""

    outbound_call_status: OutboundCallStatus = Field(
        "CallAnswered", description="What check-outbound-call-status finds (call progress)."
    )
    voice_id: VoiceIdResults = Field(
        default_factory=VoiceIdResults, description="What check-voice-id finds, per option."
    )
    percentage_draw: int | None = Field(
        None,
        ge=1,
        le=100,
        description="The number (1-100) distribute-by-percentage draws; by default one derived "
        "from the contact ID, so every run of a case draws the same.",
    )
    wait_events: dict[str, Literal["CustomerReturned", "WaitCompleted"]] = Field(
        default_factory=dict,
        description="wait block -> how its wait ends: CustomerReturned, or WaitCompleted (the "
        "default: the time limit passes).",
    )

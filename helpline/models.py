"""Imports every feature package's models so metadata (and Alembic) sees all tables."""

from agent_console.models import AgentStateChange, AuditEntry, StaffSkill, StaffUser
from call_routing.rota.models import RotaException, WeeklyShiftRow
from cases.api_tokens import ApiToken
from cases.models import Ticket
from helpline.db import Base, HealthProbe
from ivr.models import Call, CallbackRequest, Caller, CallEvent, Notice
from prompts.models import PromptItem, PromptReviewer, PromptStateVersion
from prompts.recording_line.models import RecordingPin
from recordings.models import Recording
from transcription.models import Transcript

__all__ = [
    "AgentStateChange", "AuditEntry", "Base", "Call", "CallEvent", "Caller", "CallbackRequest",
    "HealthProbe", "Notice", "PromptItem", "PromptReviewer", "PromptStateVersion",
    "Recording", "RecordingPin", "RotaException", "StaffSkill", "StaffUser", "Ticket", "ApiToken",
    "Transcript", "WeeklyShiftRow",
]

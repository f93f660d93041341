"""What an agent's presence is called on screen: states, and the reasons behind them.

A break is not always the agent's choice: routing puts an agent who lets an offer
lapse (`missed`) or turns it down (`declined`) on a break of its own, so they are
not offered the next caller while away from the screen. Those reasons are shown as
what they are (never as "Meal"), here, on the agent's screen and on the wallboard,
and an agent cannot pick them from the break menu. Labels are English source text,
translated where they are rendered (`N_` only marks them for extraction).
"""

from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return text


STATE_LABELS = {
    "offline": N_("Offline"),
    "available": N_("Available"),
    "reserved": N_("Ringing"),
    "on_call": N_("On a call"),
    "wrap_up": N_("Wrap-up"),
    "break": N_("On break"),
}

# The break menu: reasons an agent chooses.
CHOSEN_BREAKS = {
    "meal": N_("Meal"),
    "rest": N_("Rest"),
    "training": N_("Training"),
    "meeting": N_("Meeting"),
    "admin_work": N_("Admin work"),
}

# Breaks routing starts by itself after an offer was not taken.
OFFER_BREAKS = {
    "missed": N_("Missed offer"),
    "declined": N_("Declined offer"),
}

# Other reasons routing records with a state change, so the wallboard can say why.
OTHER_REASONS = {
    "break": N_("Break"),
    "interpreter": N_("Interpreting"),
    "transfer": N_("Transfer"),
    "transferred": N_("Transferred"),
    "bridge_failed": N_("Connection failed"),
    "caller_gone": N_("Caller hung up"),
    "supervisor": N_("Set by a supervisor"),
    "reassigned": N_("Reassigned by a supervisor"),
}

REASON_LABELS = {**CHOSEN_BREAKS, **OFFER_BREAKS, **OTHER_REASONS}


def reason_label(reason: str | None) -> str | None:
    """The untranslated label of a reason; an unknown one is shown as it was recorded."""
    if not reason:
        return None
    return REASON_LABELS.get(reason, reason)

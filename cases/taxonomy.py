"""What a case is about: a labour-rights taxonomy with stable codes.

The first group is the ILO's eleven indicators of forced labour; the second the
everyday problems helpline agents log most. Codes are stored on tickets and used
in reports, so they never change once published; labels are English source text,
translated in the UI through gettext (`N_` only marks them for extraction).
Pure: no Flask.
"""

from __future__ import annotations

from dataclasses import dataclass


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    return text


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    group: str
    ilo_indicator: bool = False


ILO_GROUP = N_("ILO forced-labour indicators")
WORK_GROUP = N_("Work and living conditions")

CATEGORIES: tuple[Category, ...] = (
    Category("ilo.abuse_of_vulnerability", N_("Abuse of vulnerability"), ILO_GROUP, True),
    Category("ilo.deception", N_("Deception"), ILO_GROUP, True),
    Category("ilo.restriction_of_movement", N_("Restriction of movement"), ILO_GROUP, True),
    Category("ilo.isolation", N_("Isolation"), ILO_GROUP, True),
    Category("ilo.physical_sexual_violence", N_("Physical and sexual violence"), ILO_GROUP,
             True),
    Category("ilo.intimidation_threats", N_("Intimidation and threats"), ILO_GROUP, True),
    Category("ilo.retention_of_identity_documents", N_("Retention of identity documents"),
             ILO_GROUP, True),
    Category("ilo.withholding_of_wages", N_("Withholding of wages"), ILO_GROUP, True),
    Category("ilo.debt_bondage", N_("Debt bondage"), ILO_GROUP, True),
    Category("ilo.abusive_conditions", N_("Abusive working and living conditions"), ILO_GROUP,
             True),
    Category("ilo.excessive_overtime", N_("Excessive overtime"), ILO_GROUP, True),
    Category("work.wages", N_("Wages"), WORK_GROUP),
    Category("work.recruitment_fees", N_("Recruitment fees"), WORK_GROUP),
    Category("work.documents_retained", N_("Documents retained"), WORK_GROUP),
    Category("work.overtime", N_("Overtime"), WORK_GROUP),
    Category("work.safety", N_("Safety"), WORK_GROUP),
    Category("work.housing", N_("Housing"), WORK_GROUP),
    Category("work.harassment", N_("Harassment"), WORK_GROUP),
    Category("work.contract_substitution", N_("Contract substitution"), WORK_GROUP),
    Category("other", N_("Other"), WORK_GROUP),
)

BY_CODE = {category.code: category for category in CATEGORIES}

TICKET_STATUSES = ("open", "in_progress", "referred", "closed")
STATUS_LABELS = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "referred": N_("Referred"),
    "closed": N_("Closed"),
}
PRIORITIES = ("normal", "high", "urgent")
PRIORITY_LABELS = {"normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}


def is_category(code: str) -> bool:
    return code in BY_CODE


def groups() -> list[tuple[str, list[Category]]]:
    """Categories grouped for a <select> with <optgroup>s, in taxonomy order."""
    grouped: dict[str, list[Category]] = {}
    for category in CATEGORIES:
        grouped.setdefault(category.group, []).append(category)
    return list(grouped.items())

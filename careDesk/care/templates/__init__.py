"""Care plan templates (issue 9): shipped data files, tailoring, applying, clinic copies."""

from careDesk.care.templates.apply import Applied
from careDesk.care.templates.loader import shipped
from careDesk.care.templates.schema import TemplateBody
from careDesk.care.templates.service import ApplyResult, TemplateInfo, Templates, TemplateVersion
from careDesk.care.templates.tailoring import RuleShown, Tailored

__all__ = [
    "Applied",
    "ApplyResult",
    "RuleShown",
    "Tailored",
    "TemplateBody",
    "TemplateInfo",
    "TemplateVersion",
    "Templates",
    "shipped",
]

"""The managers' workspace: incidents in the Django admin, through the same services."""

from incidents.admin.incidents import IncidentAdmin
from incidents.admin.policy import SeverityPolicyAdmin

__all__ = ["IncidentAdmin", "SeverityPolicyAdmin"]

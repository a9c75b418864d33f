"""The managers' workspace: incidents in the Django admin, through the same services."""

from incidents.admin.incidents import IncidentAdmin

__all__ = ["IncidentAdmin"]

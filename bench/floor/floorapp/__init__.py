"""The framework's floor: bare DRF endpoints over the service's own models and database."""

"""The incident domain: models, state machine, services, selectors, API and admin."""

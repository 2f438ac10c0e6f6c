from .adm_helpers import adm_calendar, adm_world  # noqa: F401  (admission's fixtures)

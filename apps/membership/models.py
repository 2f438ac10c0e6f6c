"""A member's path through the organization (issue 15): admitting members (发展党员: 5 stages, 25 steps) through
probation and 转正, transfers between organizations (组织关系转接) with their letters, flowing members and status
changes. Each surface keeps its tables in its own module, imported here so Django registers them."""
from .admission_models import *  # noqa: F401,F403
from .flow_models import *  # noqa: F401,F403
from .status_models import *  # noqa: F401,F403
from .transfer_models import *  # noqa: F401,F403

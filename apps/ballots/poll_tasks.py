"""The polls' periodic tasks (registered in apps.py with core.workers.register_periodic): a vote whose closing time
has passed is closed and counted; a 公示 whose period has ended is archived."""

from django_tasks import task

from . import publicity_services, services


@task()
def close_due_polls() -> dict:
    return {"closed": services.close_due()}


@task()
def archive_due_polls() -> dict:
    return {"archived": publicity_services.archive_due()}

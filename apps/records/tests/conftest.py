from datetime import time, timedelta

import pytest
from django.utils import timezone

from apps.records import services
from apps.records.models import ActivityType


def record_data(**overrides):
    data = {"held_on": timezone.localdate(), "starts_at": time(9, 0), "ends_at": time(11, 0), "place": "党员活动室",
            "topic": "学习贯彻会议精神", "host": "张书记", "recorder": "李委员", "minutes": "会议学习了文件并讨论。",
            "content_items": "重温入党誓词\n集中学习\n志愿服务"}
    data.update(overrides)
    return data


@pytest.fixture
def types(db):
    from apps.records.defaults import ensure_default_types

    ensure_default_types()  # after a transactional test's flush the data migration's rows are gone
    return {t.code: t for t in ActivityType.objects.all()}


@pytest.fixture
def make_record(tree, types):
    """A record of `code` for `org` (branch A by default), attendance marked present for the given members."""

    def make(code="theme_day", org=None, actor=None, present=None, submit=True, days_ago=0, **overrides):
        org = org or tree.branch_a
        actor = actor or tree.users["secretary_a"]
        data = record_data(held_on=timezone.localdate() - timedelta(days=days_ago), **overrides)
        record = services.record_create(actor=actor, organization=org, activity_type=types[code], data=data)
        members = present if present is not None else list(record.attendance.values_list("member_id", flat=True))
        if members:
            services.record_update(actor=actor, record=record, data={},
                                   attendance=[(m, "present", "") for m in members])
        if submit:
            record = services.record_submit(actor=actor, record=record)
        record.refresh_from_db()
        return record

    return make

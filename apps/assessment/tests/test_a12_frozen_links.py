"""The click-through behind a frozen automatic score lists the records it counted, not those entered since: the
links carry `as_of`, the moment the scoring read the data (the score's inputs' `read_at`), and the records and case
lists keep only what existed then (records first submitted, cases submitted, at or before it)."""

from datetime import time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from apps.assessment import round_selectors, round_services
from apps.assessment.models import Method
from apps.records import services as record_services
from apps.records.defaults import ensure_default_types
from apps.records.models import ActivityType

from .round_helpers import make_round, published

pytestmark = pytest.mark.django_db


def _record(tree, code, topic):
    ensure_default_types()
    actor = tree.users["secretary_a"]
    record = record_services.record_create(actor=actor, organization=tree.branch_a,
                                           activity_type=ActivityType.objects.get(code=code), data={
        "held_on": timezone.localdate() - timedelta(days=1), "starts_at": time(9), "ends_at": time(11),
        "place": "党员活动室", "topic": topic, "host": "张书记", "recorder": "李委员", "minutes": "会议学习了文件。",
        "content_items": "集中学习"})
    members = list(record.attendance.values_list("member_id", flat=True))
    record_services.record_update(actor=actor, record=record, data={}, attendance=[(m, "present", "") for m in members])
    return record_services.record_submit(actor=actor, record=record)


def _links(entry):
    return {line.node.indicator.name: line.links for line in round_selectors.sheet(entry)
            if line.node.is_leaf and line.node.indicator.method == Method.AUTOMATIC}


def _topics(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return [r.topic for r in response.context["page"]]


def test_a_record_submitted_after_the_scoring_is_not_behind_the_frozen_score(tree, make_system, admin):
    rnd = make_round(admin, published(make_system, admin))
    counted = _record(tree, "theme_day", "七月主题党日（已计分）")
    round_services.round_close(actor=admin, round=rnd)  # the automatic snapshot is taken here
    later = _record(tree, "theme_day", "补录的主题党日（计分之后）")
    assert later.first_submitted_at > counted.first_submitted_at

    entry = rnd.entries.select_related("organization", "round__system").get(organization=tree.branch_a)
    links = _links(entry)
    score = entry.scores.get(indicator__name="主题党日")
    client = Client()
    client.force_login(tree.users["secretary_a"])
    for name in ("组织生活完成率", "主题党日"):
        [(_label, url)] = links[name]
        query = parse_qs(urlsplit(url).query)
        assert query["as_of"] == [score.inputs["read_at"]]
        topics = _topics(client, url)
        assert counted.topic in topics and later.topic not in topics, name
        page = client.get(url).content.decode()
        assert 'data-testid="as-of-chip"' in page and f'name="as_of" value="{score.inputs["read_at"]}"' in page
        # the live filter (no cutoff) would have shown the later record: the cutoff is what keeps it out
        live = url.split("&as_of=")[0] if "&as_of=" in url else url.replace(urlsplit(url).query, "")
        assert later.topic in _topics(client, live)
    # The score's figure is the cutoff list's count: one 主题党日 held and submitted by then.
    assert score.inputs["numerator"] == 1
    # The case links carry the same cutoff, and the case list accepts it.
    [(_label, url)] = links["超期诉求"]
    assert parse_qs(urlsplit(url).query)["as_of"] == [score.inputs["read_at"]]
    client.force_login(tree.users["district_admin"])
    assert client.get(url).status_code == 200
    assert client.get("/records/?as_of=not-a-time").status_code == 400
    assert client.get("/cases/?as_of=not-a-time").status_code == 400

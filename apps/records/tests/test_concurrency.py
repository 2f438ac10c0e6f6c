"""The monthly stars limit under parallel picks (issue 9): the count and the insert are under the chooser's lock."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.records import services
from apps.records.models import MonthlyStar
from tests.parallel import run_parallel


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel connections need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_parallel_picks_never_exceed_the_monthly_stars_limit(tree, make_record, settings):
    settings.MONTHLY_STARS_MAX = 3
    records = [make_record("theme_day", topic=f"主题党日第{i}次") for i in range(12)]
    actor = tree.users["district_admin"]

    def pick(i):
        try:
            services.star_pick(actor=actor, record=records[i], chosen_by_org=tree.district)
        except ValidationError as exc:
            return exc.messages[0]
        return "picked"

    results = run_parallel(len(records), pick)
    assert results.count("picked") == 3
    assert all("最多评选3个" in r for r in results if r != "picked")
    assert MonthlyStar.objects.filter(chosen_by_org=tree.district).count() == 3

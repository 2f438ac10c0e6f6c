"""党纪处分 in a member's history (history.py): the start of each 处分 and, once it has ended, its end. One query
whatever the number of records; the approving body, 文号 and reason only where the viewer may read the record."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import history
from .admission_models import DisciplineRecord


@history.register_source
def discipline_events(member, viewer):
    for record in DisciplineRecord.objects.filter(member_id=member.pk).select_related(
            "member__organization").order_by("starts_on", "id"):
        may = viewer.may(record)
        link = reverse("membership:discipline", args=(record.pk,)) if may else ""
        kind = record.get_kind_display()
        detail = ""
        if may:
            detail = " ".join(p for p in (record.approved_by_name, record.document_number) if p)
            if record.reason:
                detail = _("{d}；事由：{reason}").format(d=detail, reason=record.reason) if detail else record.reason
        yield history.Event(record.starts_on, _("受党纪处分：{kind}").format(kind=kind), detail, link,
                            kind="discipline", seq=600)
        if record.ends_on:
            yield history.Event(record.ends_on, _("党纪处分期满或撤销：{kind}").format(kind=kind), "", link,
                                kind="discipline_end", seq=601)

"""How flowing members' records are scoped (imported from AppConfig.ready()).

A 流出 record and a 失联 case belong to the member's organization (wherever the member is now): MEMBER_VIEW at or
above it reads them with their report-backs and search efforts, MEMBER_MANAGE writes. A 流入 record belongs to the
local branch the member from elsewhere is attached to. Anyone else: 404."""

from django.utils.translation import gettext_lazy as _

from apps.access import policy, scoping

from .flow_models import ContactSearch, FlowIn, FlowOut, FlowReport, LostContact

scoping.register(FlowOut, org_path="member__organization__path", view=policy.MEMBER_VIEW, label=_("流出党员"),
                 related=("member__organization", "host_organization"))
scoping.register_child(FlowReport, parent=FlowOut, via="flow", label=_("流动党员汇报"))
scoping.register(FlowIn, org_path="organization__path", view=policy.MEMBER_VIEW, label=_("流入党员"),
                 related=("organization",))
scoping.register(LostContact, org_path="member__organization__path", view=policy.MEMBER_VIEW, label=_("失联党员"),
                 related=("member__organization",))
scoping.register_child(ContactSearch, parent=LostContact, via="case", label=_("失联党员查找记录"))

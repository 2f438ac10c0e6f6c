"""The public pages of honours (no login), /honours/: each campaign with its kinds (quota and awarded) and the awarded
list by kind — organizations by name, members masked (surname + 同志); nothing pending, rejected or revoked."""

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.lookups import parse_pk

from . import honour_selectors


def public_index(request):
    return render(request, "assessment/honours/public_index.html", {"campaigns": honour_selectors.public_campaigns()})


def public_campaign(request, pk):
    campaign = honour_selectors.public_campaign(pk) if parse_pk(pk) is not None else None
    if campaign is None:
        raise Http404(_("未找到该示范创建活动"))
    return render(request, "assessment/honours/public_campaign.html",
                  {"campaign": campaign, "kinds": honour_selectors.public_awards(campaign)})

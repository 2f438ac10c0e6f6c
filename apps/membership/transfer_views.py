"""Pages of transfers within the platform under /membership/transfers/: the list (sent, received, waiting too long),
a new transfer for a member, a transfer's page and its steps (accept, reject, resend, withdraw).

Access (transfer_scopes.py): both sides read a transfer (MEMBER_VIEW); the sender sends, resends and withdraws
(TRANSFER_SEND), the receiver accepts and rejects (TRANSFER_RECEIVE); anyone else: 404."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.access import policy
from apps.core.forms import submit
from apps.core.lookups import parse_pk
from apps.members.models import Member

from . import transfer_selectors as selectors
from . import transfer_services as services
from .transfer_forms import RejectForm, ResendForm, TransferForm
from .transfer_models import Transfer
from .transfer_scopes import TRANSFER_RECEIVE, TRANSFER_SEND

PAGE_SIZE = 50
MEMBER_MATCHES = 20


def require_member_view(user):
    if not policy.has_capability(user, policy.MEMBER_VIEW):
        raise PermissionDenied(_("您没有查看组织关系转接的权限"))


def require_member_manage(user):
    if not policy.has_capability(user, policy.MEMBER_MANAGE):
        raise PermissionDenied(_("您没有办理组织关系转接的权限"))


def member_choice(request):
    """(member, matches): the member named by ?member= (within MEMBER_MANAGE; else 404), or up to 20 current members
    whose name starts with ?q= to choose from."""
    pk = request.GET.get("member")
    if pk:
        return policy.get(Member, request.user, parse_pk(pk) or 0, policy.MEMBER_MANAGE), []
    q = (request.GET.get("q") or "").strip()[:30]
    if not q:
        return None, []
    matches = (policy.restrict(selectors.current_members(), request.user, policy.MEMBER_MANAGE)
               .filter(name__startswith=q).select_related("organization").order_by("name", "id")[:MEMBER_MATCHES])
    return None, list(matches)


@login_required
def transfer_list(request):
    require_member_view(request.user)
    today = timezone.localdate()
    view = request.GET.get("view", "all")
    qs = policy.restrict(Transfer, request.user).select_related("member", "from_organization", "to_organization")
    if view == "out":
        qs = qs.filter(policy.visible_q(Transfer, request.user, TRANSFER_SEND))
    elif view == "in":
        qs = qs.filter(policy.visible_q(Transfer, request.user, TRANSFER_RECEIVE))
    elif view == "overdue":
        qs = qs.filter(selectors.overdue_transfers_q(today))
    else:
        view = "all"
    page = Paginator(qs.order_by("-sent_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(t, selectors.is_transfer_overdue(t, today)) for t in page.object_list]
    return render(request, "membership/transfer_list.html", {
        "page": page, "rows": rows, "view": view, "section": "membership",
        "flag_days": settings.TRANSFER_PENDING_DAYS_FLAG})


@login_required
def transfer_create(request):
    require_member_manage(request.user)
    member, matches = member_choice(request)
    form = TransferForm(request.POST or None) if member else None
    if member and request.method == "POST":
        transfer = submit(form, lambda d: services.transfer_issue(
            actor=request.user, member=member, to_organization=d["to_organization"], reason=d["reason"],
            request=request))
        if transfer:
            messages.success(request, _("已发出组织关系转接"))
            return redirect("membership:transfer", transfer.pk)
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "membership/transfer_form.html", {
        "member": member, "matches": matches, "form": form, "q": request.GET.get("q", ""),
        "dues_paid_to": selectors.dues_paid_to(member) if member else None, "section": "membership"}, status=status)


def _detail(request, transfer, *, reject_form=None, resend_form=None, status=200):
    user = request.user
    return render(request, "membership/transfer_detail.html", {
        "transfer": transfer, "section": "membership",
        "is_sender": policy.can(user, TRANSFER_SEND, transfer),
        "is_receiver": policy.can(user, TRANSFER_RECEIVE, transfer),
        "overdue": selectors.is_transfer_overdue(transfer, timezone.localdate()),
        "reject_form": reject_form or RejectForm(), "resend_form": resend_form or ResendForm()}, status=status)


@login_required
def transfer_detail(request, pk):
    return _detail(request, policy.get(Transfer, request.user, pk))


def _step(request, pk, capability, action, done):
    transfer = policy.get(Transfer, request.user, pk, capability)
    try:
        action(transfer)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return _detail(request, transfer, status=400)
    messages.success(request, done)
    return redirect("membership:transfer", transfer.pk)


@login_required
@require_POST
def transfer_accept(request, pk):
    return _step(request, pk, TRANSFER_RECEIVE,
                 lambda t: services.transfer_accept(actor=request.user, transfer=t, request=request),
                 _("已接收，该党员已转入本组织"))


@login_required
@require_POST
def transfer_reject(request, pk):
    transfer = policy.get(Transfer, request.user, pk, TRANSFER_RECEIVE)
    form = RejectForm(request.POST)
    done = submit(form, lambda d: services.transfer_reject(actor=request.user, transfer=transfer, reason=d["reason"],
                                                           request=request))
    if done:
        messages.success(request, _("已退回转出党组织"))
        return redirect("membership:transfer", transfer.pk)
    return _detail(request, transfer, reject_form=form, status=400)


@login_required
@require_POST
def transfer_resend(request, pk):
    transfer = policy.get(Transfer, request.user, pk, TRANSFER_SEND)
    form = ResendForm(request.POST)
    done = submit(form, lambda d: services.transfer_resend(
        actor=request.user, transfer=transfer, to_organization=d["to_organization"], reason=d["reason"],
        request=request))
    if done:
        messages.success(request, _("已重新发出"))
        return redirect("membership:transfer", transfer.pk)
    return _detail(request, transfer, resend_form=form, status=400)


@login_required
@require_POST
def transfer_withdraw(request, pk):
    return _step(request, pk, TRANSFER_SEND,
                 lambda t: services.transfer_withdraw(actor=request.user, transfer=t, request=request), _("已撤回"))

"""Confirmation of irreversible one-click actions (提交纪实, 办结 …), the server's half.

The button (templates/includes/confirm_button.html) asks in a dialog (static/js/confirm.js) and posts
confirmed=1. A post without it (no JavaScript, a script that failed, a replayed request) is not acted on:
the view answers it with `confirm_page`, which asks once more and posts the same fields with confirmed=1.

    if not confirmed(request):
        return confirm_page(request, title=…, message=…, label=…, back=…)

A form that uploads files cannot be carried by that page (a browser never re-posts files from hidden fields):
`confirm_or_reshow` then marks the form to ask in place instead, and the view shows its form again — with the
question as the form's error and a visible check box (templates/includes/confirm_field.html) — so the second
post, with the files chosen again and the box ticked, is the confirmed one.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _


def confirmed(request) -> bool:
    return request.method == "POST" and request.POST.get("confirmed") == "1"


def confirm_page(request, *, title, message, label, back, details=(), button_class="btn-primary", status=200):
    """The page that asks before acting; it posts back to the same URL with the post's own fields."""
    carried = [(name, value) for name, values in request.POST.lists() if name not in ("csrfmiddlewaretoken", "confirmed")
               for value in values]
    return render(request, "includes/confirm_page.html", {
        "title": title, "message": message, "label": label, "back": back, "details": list(details),
        "button_class": button_class, "action": request.get_full_path(), "carried": carried,
    }, status=status)


def confirm_or_reshow(request, form, *, title, message, label, back, **page):
    """The answer to an unconfirmed post: the confirmation page, or — for a post with files — None after marking
    `form` to ask in place (its error says so and includes/confirm_field.html shows the check box); the caller
    then renders the form again with a 400."""
    if request.FILES and form is not None:
        form.add_error(None, _("请确认后再提交：{question}").format(question=message))
        form.confirm_question = message
        return None
    return confirm_page(request, title=title, message=message, label=label, back=back, **page)

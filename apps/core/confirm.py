"""Confirmation of irreversible one-click actions (提交纪实, 办结 …), the server's half.

The button (templates/includes/confirm_button.html) asks in a dialog (static/js/confirm.js) and posts
confirmed=1. A post without it (no JavaScript, a script that failed, a replayed request) is not acted on:
the view answers it with `confirm_page`, which asks once more and posts the same fields with confirmed=1.

    if not confirmed(request):
        return confirm_page(request, title=…, message=…, label=…, back=…)
"""

from django.shortcuts import render


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

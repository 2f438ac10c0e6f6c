"""How published results are scoped for staff (imported from AppConfig.ready()): a publication is in scope exactly
when its round is. The public page reads published rows through result_selectors, never through the policy."""

from django.utils.translation import gettext_lazy as _

from apps.access import scoping

from .result_models import ResultPublication
from .round_models import Round

scoping.register_child(ResultPublication, parent=Round, via="round", label=_("考核结果发布"))

"""What apps built on the member registry add to it, registered from their AppConfig.ready(): the sections of a
member's profile page (党员档案).

The member registry knows nothing of the apps built on it (organizational life, 民主评议): each one
registers its section from its own AppConfig.ready()::

    from apps.members import hooks
    hooks.register_profile_section("attendance", order=10, template="records/_member_profile.html",
                     context=lambda member, user: {"attendance": member_attendance_summary(member)})

The page shows the sections by `order`; each section's template is included with its context as
`part` (besides the page's own context: `member`, `user`, `nav`).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    order: int
    template: str
    context: Callable  # (member, user) -> dict


_sections: dict[str, Section] = {}


def register_profile_section(key: str, *, order: int, template: str, context: Callable) -> Section:
    """Add a section to the member profile page. Registering a key twice is a programming error."""
    if key in _sections:
        raise RuntimeError(f"profile section {key!r} is already registered")
    section = Section(key=key, order=order, template=template, context=context)
    _sections[key] = section
    return section


def profile_sections() -> list[Section]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


@dataclass(frozen=True)
class Shown:
    key: str
    template: str
    context: dict


def shown_profile_sections(member, user) -> list[Shown]:
    """Each registered section with its context for this member as seen by this user, in page order."""
    return [Shown(key=s.key, template=s.template, context=s.context(member, user)) for s in profile_sections()]

from . import grants, policy


def access(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav": {
            "orgs": policy.has_capability(user, policy.ORG_VIEW),
            "members": policy.has_capability(user, policy.MEMBER_VIEW),
            "import": policy.has_capability(user, policy.MEMBER_IMPORT),
            "audit": policy.has_capability(user, policy.AUDIT_VIEW),
            "records": policy.has_capability(user, policy.RECORD_VIEW),
            "records_manage": policy.has_capability(user, policy.RECORD_MANAGE),
            "review": policy.has_capability(user, policy.RECORD_REVIEW),
            "system": policy.has_capability(user, policy.SYSTEM_MANAGE),
            # The user and role pages: the system administrator, and whoever may grant roles (apps.access.grants).
            "accounts": policy.has_capability(user, policy.SYSTEM_MANAGE) or grants.administers_roles(user),
            "self": policy.is_member_self_service(user),
            "cases": policy.has_capability(user, policy.CASE_VIEW),
            "rules": policy.has_capability(user, policy.RULES_MANAGE),
            "cases_dispatch": policy.has_capability(user, policy.CASE_DISPATCH),
            "assessment": policy.has_capability(user, policy.ASSESSMENT_VIEW),
            "assessment_manage": policy.has_capability(user, policy.ASSESSMENT_MANAGE),
            # 群众满意度测评 (apps.ballots registers the capability: the district and the external evaluator).
            "surveys": policy.has_capability(user, "survey.run"),
            # 民主测评 (apps.ballots registers these capabilities; named here, never imported)
            "ballots": policy.has_capability(user, "ballot.view"),
            # 党费 (apps.dues registers the capability; named here, never imported)
            "dues": policy.has_capability(user, "dues.view"),
            "dues_collect": policy.has_capability(user, "dues.collect"),
            "funds": policy.has_capability(user, "fund.view"),
        }
    }

"""Administration of an authority: users, groups, absences, the file plan; the operator's authorities.

Services take the session first, check that the acting user may do the change
(role and authority), flush, never commit, and write an audit event with the
values before and after into the authority's chain (see ``audit_log``).
"""

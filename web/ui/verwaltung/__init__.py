"""The administration pages under /ui/verwaltung: users, groups, absences, file plan, disposal, authorities, log."""

from web.ui.verwaltung import absences, authorities, disposal, file_plan, groups, overview, users

BLUEPRINTS = (overview.bp, users.bp, groups.bp, absences.bp, file_plan.bp, disposal.bp, authorities.bp)

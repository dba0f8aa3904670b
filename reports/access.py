"""Who reads the reports: supervisors and administrators, and the compliance officer (every report page is
read-only, so reading is all there is)."""

from accounts.models import Role

READER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR, Role.COMPLIANCE)

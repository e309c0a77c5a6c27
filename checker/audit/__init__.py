"""Audits: an auditor model writes scenarios and plays the user against a target model;
the conversations are then checked against the constitution like any transcripts.

``plan`` (:mod:`.plan`) -> scenario files (:mod:`.scenarios`) -> ``run`` (:mod:`.run`,
one conversation by :mod:`.conversation`, calls stored by :mod:`._calls`) -> ``check``
(:mod:`.report`) -> ``compare`` (:mod:`.compare`). See docs/AUDIT.md.
"""

from checker.audit._records import AuditRecord, audit_transcripts, get_audit, list_audits
from checker.audit.errors import AuditError

__all__ = ["AuditError", "AuditRecord", "audit_transcripts", "get_audit", "list_audits"]

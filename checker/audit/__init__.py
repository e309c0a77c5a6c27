"""Audits: an auditor model writes scenarios and plays the user against a target model;
the conversations are then checked against the constitution like any transcripts."""

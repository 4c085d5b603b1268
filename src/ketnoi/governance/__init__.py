"""Governance of the Decree 47 programme: official catalogs as decisions, the plan tracker, status surveys, deadline rules."""

"""The Vietnamese working-day calendar the legal time limits are counted on (Decree 47: a service
published within 1 working day, a connection request decided within 2)."""

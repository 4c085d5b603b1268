"""The datastore: files read into typed tables, served by the data API (issue 3)."""

"""Harvesting: datasets of other portals (CKAN's Action API, DCAT catalogs) copied into our catalog."""

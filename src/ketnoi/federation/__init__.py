"""Federation: peer nodes (another ketnoi, a CKAN or DCAT catalog), their services, and calls through our gateway."""

"""The open data portal: what the public reads of the catalog, as pages and as DCAT and Data Package exports."""

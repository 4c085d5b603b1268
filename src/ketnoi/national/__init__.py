"""National registration: the service and open-data catalogs in the form the national portal takes, pushed on change."""

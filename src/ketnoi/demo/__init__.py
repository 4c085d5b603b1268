"""A demonstration Ministry of Science and Technology: units, focal points, accounts and catalog.

`load_demo(session, password=...)` (in `ketnoi.demo.loader`) creates it through the real services;
the records themselves are plain literals in the `data_*` modules, typed by `ketnoi.demo.specs`.
"""

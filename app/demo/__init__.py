"""The demo market of ``capmatch demo-data``: a DACH crisis market, planned from a seed
(``plan``), made of invented companies at real towns (``catalogue``, ``towns.csv``) and
written through the domains' services (``service``)."""

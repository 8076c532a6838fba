"""Many SAOs from one installation (a province, or a provider hosting several SAOs).

Each SAO is a tenant: a slug, its LINE channel, its content and its data. A tenant's data is a
database of its own (`<DATA_DIR>/tenants/<slug>/`), so no query of one SAO can ever reach
another's rows: isolation comes from where the data is, not from every query remembering a
filter. Everything a single-SAO install runs — the webhook, the inbox worker, the console, the
public pages, the clock — runs per tenant unchanged, from settings derived from the host's.

    registry.py   the tenants: slug, name, channel (a small database of its own)
    app.py        the web app of a hosted install: /callback/<slug>, /t/<slug>/…
    cli.py        python -m bot tenant add | list | export | remove
    workers.py    one pool of threads per web process for every SAO's events
    summary.py    every SAO's figures side by side, for a province (tenant summary)
"""

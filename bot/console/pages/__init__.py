"""The console's pages, one module per page or group of pages; each registers, when loaded, its
routes on `admin_bp`, its menu entry (`add_nav_item`) and its dashboard cards (`dashboard.card`).

bot/wiring.py `CONSOLE_PAGES` lists them (the console loads those and no others). What they
share — sign-in and roles, the audit log, exports, periods, charts, forms — is support code one
folder up, in bot/console/; a support module never imports a page.
"""

"""Small helpers every part uses: Thai dates (Buddhist Era, fiscal year) and the bundled fonts."""

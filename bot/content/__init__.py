"""What an SAO edits, read and checked: its profile, divisions, working days, and the YAML
reader that names the file, field and line of a mistake. The handbook has its own package
(bot/handbook/)."""

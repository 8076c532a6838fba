-- the SAO's content edits over the shipped defaults, shared by every machine (bot/content/stored.py)
CREATE TABLE content_edits (
    path text COLLATE "C" PRIMARY KEY,  -- relative to the content folder: profile.yaml, handbook/<id>.yaml …
    body bytea NOT NULL,
    updated_at double precision NOT NULL
);
-- One row: bumped by every change, so a machine asks one number to know whether to read them all.
CREATE TABLE content_edits_version (
    one integer PRIMARY KEY CHECK (one = 1),
    version bigint NOT NULL
);
INSERT INTO content_edits_version VALUES (1, 0);

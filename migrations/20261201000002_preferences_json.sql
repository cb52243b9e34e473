-- An account's preferences in one JSON column, the same shape a guest's
-- session cookie holds (src/prefs.rs, `Preferences`): adding a preference
-- needs no new column. Only preferences that differ from the defaults are
-- written; the rest follow the defaults.
ALTER TABLE users ADD COLUMN preferences TEXT NOT NULL DEFAULT '{}';
UPDATE users SET preferences =
    CASE WHEN theme <> 'system' AND page_size <> 12
           THEN '{"theme":"' || theme || '","page_size":' || CAST(page_size AS TEXT) || '}'
         WHEN theme <> 'system' THEN '{"theme":"' || theme || '"}'
         WHEN page_size <> 12 THEN '{"page_size":' || CAST(page_size AS TEXT) || '}'
         ELSE '{}' END;
ALTER TABLE users DROP COLUMN theme;
ALTER TABLE users DROP COLUMN page_size;

DROP TABLE refresh_tokens;

--bun:split

DROP TABLE sessions;

--bun:split

ALTER TABLE users DROP COLUMN token_version;

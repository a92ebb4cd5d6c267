-- Times are unix milliseconds (UTC) so that both dialects compare them the same way.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    mobile        TEXT    UNIQUE, -- NULL when the user has none
    password_hash TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    gender        TEXT    NOT NULL DEFAULT 'female' CHECK (gender IN ('male', 'female')),
    birthday      TEXT    CHECK (birthday GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'), -- NULL when unset
    email         TEXT    NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined   BIGINT  NOT NULL
);

--bun:split

-- One row per mobile: the newest code sent to it (sent_at NULL while only a reservation
-- exists) and the pending reservation of the right to send the next one.
CREATE TABLE verify_codes (
    mobile       TEXT    PRIMARY KEY,
    code_hash    BLOB    NOT NULL DEFAULT X'',
    sent_at      BIGINT,
    expires_at   BIGINT  NOT NULL DEFAULT 0,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 0,
    consumed     BOOLEAN NOT NULL DEFAULT FALSE,
    reserved_at  BIGINT
);

--bun:split

CREATE TABLE api_tokens (
    key_hash   BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);

--bun:split

CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- Access tokens carry the token version they were issued under; changing the password
-- raises it, so older tokens stop working.
ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;

--bun:split

-- A session is one login: its refresh tokens form a chain (a family) and its access
-- tokens carry its id. Revoking it ends them all.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at BIGINT  NOT NULL,
    revoked    BOOLEAN NOT NULL DEFAULT FALSE
);

--bun:split

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

--bun:split

-- Refresh tokens by the hash of their key. A retired token presented again means it was
-- stolen: the whole session is revoked.
CREATE TABLE refresh_tokens (
    key_hash   BLOB   PRIMARY KEY,
    session_id TEXT    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    issued_at  BIGINT  NOT NULL,
    retired    BOOLEAN NOT NULL DEFAULT FALSE
);

--bun:split

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

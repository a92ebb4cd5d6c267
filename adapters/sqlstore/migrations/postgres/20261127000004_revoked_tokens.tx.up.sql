-- Access tokens without a session (the Django service's) revoked by a logout, by the
-- token's jti or the digest of its signed part, until the token's own expiry: a row past
-- expires_at no longer counts and may be deleted.
CREATE TABLE revoked_tokens (
    token_id   TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

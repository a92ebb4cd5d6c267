-- Counters of the abuse limits, one row per key (a mobile's daily sends, an IP's hourly
-- sends, an account's login failures...): n events since at (unix milliseconds).
CREATE TABLE limit_counters (
    key TEXT   PRIMARY KEY,
    n   BIGINT NOT NULL DEFAULT 0,
    at  BIGINT NOT NULL DEFAULT 0
);

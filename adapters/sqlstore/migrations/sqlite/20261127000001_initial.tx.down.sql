DROP TABLE api_tokens;

--bun:split

DROP TABLE verify_codes;

--bun:split

DROP TABLE users;

-- Seed data, loaded by Postgres the first time it creates its data directory.
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer text NOT NULL,
    total_cents integer NOT NULL
);
INSERT INTO orders (customer, total_cents) VALUES
    ('Ada', 1250),
    ('Grace', 4999),
    ('Linus', 300);

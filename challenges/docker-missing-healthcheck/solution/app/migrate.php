<?php
// Creates the visits table and records this start. Exits non-zero when the database
// cannot be reached, as a real app's migration step would.
$dsn = sprintf('pgsql:host=%s;port=5432;dbname=%s', getenv('DB_HOST') ?: 'db', getenv('DB_NAME') ?: 'app');
try {
    $pdo = new PDO($dsn, getenv('DB_USER') ?: 'app', getenv('DB_PASSWORD') ?: '', [
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_TIMEOUT => 3,
    ]);
    $pdo->exec('CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, note text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
    $pdo->exec("INSERT INTO visits (note) VALUES ('app started')");
} catch (PDOException $e) {
    fwrite(STDERR, 'migrate: cannot reach the database: ' . $e->getMessage() . PHP_EOL);
    exit(1);
}
echo 'migrate: database ready, visits table in place' . PHP_EOL;

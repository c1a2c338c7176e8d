<?php
declare(strict_types=1);

/** Connects to PostgreSQL with settings from the environment (DB_HOST, DB_NAME, DB_USER, DB_PASSWORD). */
final class Database
{
    public static function dsnFromEnv(): string
    {
        $host = getenv('DB_HOST') ?: 'db';
        $name = getenv('DB_NAME') ?: 'app';
        return "pgsql:host={$host};port=5432;dbname={$name}";
    }

    public static function connect(): PDO
    {
        return new PDO(self::dsnFromEnv(), getenv('DB_USER') ?: 'app', getenv('DB_PASSWORD') ?: '', [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        ]);
    }
}

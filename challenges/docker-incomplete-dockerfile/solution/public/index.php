<?php
declare(strict_types=1);

require __DIR__ . '/../src/Database.php';

header('Content-Type: text/plain');
$drivers = PDO::getAvailableDrivers();
echo "PDO drivers: " . implode(', ', $drivers) . "\n";
echo in_array('pgsql', $drivers, true)
    ? "PostgreSQL: ready (" . Database::dsnFromEnv() . ")\n"
    : "PostgreSQL: the pdo_pgsql extension is missing\n";

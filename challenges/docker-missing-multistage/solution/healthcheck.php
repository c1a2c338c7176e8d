<?php

// Container health probe, run as: php /app/healthcheck.php
// Healthy (exit 0) when the app's dependencies load and PHP-FPM accepts connections.

declare(strict_types=1);

$autoload = '/app/vendor/autoload.php';
if (!is_file($autoload)) {
    fwrite(STDERR, "unhealthy: $autoload is missing (composer install did not run?)\n");
    exit(1);
}
require $autoload;

try {
    $greeting = (new App\Greeter())->greet('healthcheck');
} catch (Throwable $e) {
    fwrite(STDERR, 'unhealthy: the app failed to load: ' . $e->getMessage() . "\n");
    exit(1);
}

$socket = @fsockopen('127.0.0.1', 9000, $errno, $errstr, 2.0);
if ($socket === false) {
    fwrite(STDERR, "unhealthy: PHP-FPM does not accept connections on 127.0.0.1:9000 ($errstr)\n");
    exit(1);
}
fclose($socket);

echo "healthy: $greeting\n";
exit(0);

<?php
// The status page: answers through nginx and reports whether the database port is open.
header('Content-Type: text/plain; charset=utf-8');
$host = getenv('DB_HOST') ?: 'db';
printf("Guestbook status (PHP %s)\n", PHP_VERSION);
$socket = @fsockopen($host, 5432, $errno, $error, 2.0);
if ($socket) {
    fclose($socket);
    printf("database: reachable at %s:5432\n", $host);
} else {
    http_response_code(503);
    printf("database: unreachable at %s:5432 (%s)\n", $host, $error ?: "error $errno");
}

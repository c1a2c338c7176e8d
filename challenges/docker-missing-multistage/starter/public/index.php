<?php

declare(strict_types=1);

require __DIR__ . '/../vendor/autoload.php';

use App\Greeter;

$name = isset($_GET['name']) && is_string($_GET['name']) ? $_GET['name'] : '';

header('Content-Type: text/plain; charset=utf-8');
echo (new Greeter())->greet($name), "\n";

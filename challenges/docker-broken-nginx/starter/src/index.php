<?php
// A page only PHP can produce: the interpreter version, the container that ran it, and a sum.
header('Content-Type: text/plain; charset=utf-8');
$name = isset($_GET['name']) && $_GET['name'] !== '' ? $_GET['name'] : 'world';
printf("Hello, %s!\n", htmlspecialchars($name));
printf("Rendered by PHP %s in container %s\n", PHP_VERSION, gethostname());
printf("6 x 7 = %d\n", 6 * 7);

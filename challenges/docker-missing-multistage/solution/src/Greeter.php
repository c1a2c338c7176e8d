<?php

declare(strict_types=1);

namespace App;

final class Greeter
{
    public function __construct(private readonly string $appName = 'Shipshape Greeter')
    {
    }

    public function greet(string $name): string
    {
        $name = trim($name);
        if ($name === '') {
            $name = 'world';
        }

        return sprintf('Hello, %s! (served by %s)', $name, $this->appName);
    }
}

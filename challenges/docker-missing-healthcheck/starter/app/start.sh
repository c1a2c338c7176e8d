#!/bin/sh
# The app refuses to serve when its database is unreachable: it runs its migration
# first and stops with an error if that fails.
set -e
php /app/migrate.php
exec php-fpm

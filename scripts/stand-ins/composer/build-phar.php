<?php
// Packs Debian's Composer (its launcher plus the PHP libraries it loads from
// /usr/share/php) into one self-contained, executable phar.
// usage: php -d phar.readonly=0 build-phar.php <share-php-dir> <launcher> <out.phar>
if ($argc !== 4) {
    fwrite(STDERR, "usage: php -d phar.readonly=0 build-phar.php <share-php-dir> <launcher> <out.phar>\n");
    exit(2);
}
[, $share, $launcher, $out] = $argv;
$share = rtrim(realpath($share), '/');
if (!is_file("$share/Composer/autoload.php") || !is_file($launcher)) {
    fwrite(STDERR, "build-phar: $share/Composer/autoload.php or $launcher missing\n");
    exit(1);
}
@unlink($out);
$phar = new Phar($out, 0, 'composer.phar');
$phar->startBuffering();

$count = 0;
$it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($share, FilesystemIterator::SKIP_DOTS));
foreach ($it as $file) {
    if (!$file->isFile()) {
        continue;
    }
    $rel = substr($file->getPathname(), strlen($share) + 1);
    $phar->addFile($file->getPathname(), "share/php/$rel");
    $count++;
}

// The launcher finds its libraries relative to itself (bin/../share/php). A shebang
// line in a required file would be printed, so it is dropped here.
$code = preg_replace('{^#!.*\n}', '', file_get_contents($launcher));
$phar->addFromString('bin/composer', $code);
$count++;

// Debian's Composer relies on the mbstring and intl extensions; the official composer.phar
// bundles Symfony's polyfills instead. Load the packed polyfills (each only defines what
// is missing) before Composer.
$polyfills = '';
foreach (array_merge(glob("$share/Symfony/Polyfill/*/autoload.php"), glob("$share/Symfony/Polyfill/*/*/autoload.php")) as $file) {
    $polyfills .= sprintf("require_once 'phar://composer.phar/share/php/%s';\n", substr($file, strlen($share) + 1));
}

$phar->setStub("#!/usr/bin/env php\n<?php\nPhar::mapPhar('composer.phar');\n"
    . $polyfills
    . "require 'phar://composer.phar/bin/composer';\n__HALT_COMPILER(); ?>\n");
$phar->stopBuffering();
chmod($out, 0755);
fwrite(STDERR, sprintf("build-phar: %d files, %.1f MB\n", $count, filesize($out) / 1048576));

<?php
// Reads a file shipped through Dirs and prints an environment variable.
$motd = trim(file_get_contents(__DIR__ . '/data/motd.txt'));
echo "motd: $motd\n";
echo 'APP_MODE=' . getenv('APP_MODE') . "\n";
echo 'php ' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION . "\n";

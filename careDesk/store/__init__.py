"""Storage: the SQLCipher engine, the vault and its key slots, migrations, backup and restore."""

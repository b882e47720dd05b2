"""Infrastructure every domain package uses: config, database, errors, audit, compare-and-set, storage, time."""

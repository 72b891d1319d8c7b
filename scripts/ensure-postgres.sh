#!/bin/sh
# Make sure a PostgreSQL server binary is there for the test suite (the tests start their own
# throwaway cluster on 127.0.0.1). Installs Debian's postgresql package when it is missing and
# we can; otherwise says so, and the PostgreSQL tests are skipped with a notice.
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's postgresql package for the PostgreSQL tests"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
        || echo "NOTICE: could not install postgresql; the PostgreSQL tests will be skipped"
else
    echo "NOTICE: PostgreSQL is not installed and cannot be installed here (needs root and apt-get);"
    echo "        the PostgreSQL tests will be skipped"
fi
exit 0

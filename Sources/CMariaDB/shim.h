#ifndef CMARIADB_SHIM_H
#define CMARIADB_SHIM_H
/* The MariaDB Connector/C (Debian libmariadb-dev), for the Octavia database. Only
 * Sources/Controller/Octavia imports it. Everything used is a plain function: no macro or
 * variadic call stands in the way, so no C wrapper is needed. */
#include <mariadb/mysql.h>
#endif

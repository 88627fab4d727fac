#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and trials: `start DIR` initdb's DIR, starts a server on a free
# port of 127.0.0.1 with trust auth and prints its URL; `stop DIR` stops it and deletes DIR. Uses Debian's
# binaries (apt-get install postgresql). The server refuses to run as root, so root runs it as `postgres`.
set -euo pipefail
command=${1:?usage: throwaway-postgres.sh start|stop DIR}
dir=${2:?usage: throwaway-postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "throwaway-postgres: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 3; }
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$command" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log"
    port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
    # fsync off: a test cluster never needs to survive a power cut, and it makes commits cheap.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: throwaway-postgres.sh start|stop DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite (the store's PostgreSQL engine is tested against a real one):
#
#   scripts/postgres-test-server.sh start <dir> [port]   (port 55432 unless given)
#   scripts/postgres-test-server.sh restart <dir>        (pg_ctl restart -m fast: same port and settings)
#   scripts/postgres-test-server.sh stop <dir>           (not an error if nothing runs)
#
# `start` makes a new cluster in <dir>/data (never the Debian package's own cluster, never pg_ctlcluster),
# listening on 127.0.0.1:<port> only, with TLS from a throwaway CA (<dir>/ca.pem) and scram-sha-256 logins;
# its unix socket directory is <dir> and its log <dir>/server.log. It creates role and database `govcase`
# (the role's random password in <dir>/govcase.password, no trailing newline), waits until the server accepts
# connections, writes <dir>/connection and prints that one line:
#
#   host=127.0.0.1 port=<port> user=govcase dbname=govcase password_file=<dir>/govcase.password sslrootcert=<dir>/ca.pem
#
# libpq has no password_file keyword: the tests read the password from that file (psql wants it removed and
# PGPASSWORD set instead). `start` on a running server just prints the line; on a stopped one it starts the
# existing cluster again. Installs Debian's postgresql package when its server binaries are missing (sudo only
# when not root). As root the server runs as the OS user `postgres` (created if missing), never as root;
# otherwise as the current user.
set -euo pipefail

usage() {
    echo "usage: $0 start <dir> [port] | restart <dir> | stop <dir>" >&2
    exit 2
}
[ $# -ge 2 ] || usage
command=$1
dir=$2
requested_port=${3:-}
case $command in
    start) [ $# -le 3 ] || usage ;;
    stop | restart) [ $# -eq 2 ] || usage ;;
    *) usage ;;
esac
if [ -n "$requested_port" ] && ! [[ $requested_port =~ ^[0-9]+$ && $requested_port -ge 1 && $requested_port -le 65535 ]]; then
    echo "error: port must be a number from 1 to 65535, not '$requested_port'" >&2
    exit 2
fi

# The caller's PG* variables (PGHOST, PGSSLMODE, ...) must not redirect the script's own connections.
for variable in $(compgen -e); do
    case $variable in PG*) unset "$variable" ;; esac
done
# Keys and the password file are created private; public files are made readable one by one.
umask 077

is_root=false
[ "$(id -u)" -eq 0 ] && is_root=true

# The newest PostgreSQL installed by Debian's packages (/usr/lib/postgresql/<version>/bin).
find_bin() {
    local initdb
    initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | grep -v '\*' | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

data="$dir/data"
log="$dir/server.log"
conf="$data/postgresql.conf"

# Runs a PostgreSQL program as the server's user, from <dir> (the programs stumble over a current directory
# they cannot read, such as /root).
as_server() {
    if $is_root; then
        (cd "$dir" && runuser -u postgres -- "$@")
    else
        (cd "$dir" && "$@")
    fi
}

# Whether the cluster's postmaster is alive: postmaster.pid names a process that is no zombie and was started
# on <dir>/data. (pg_ctl status would count a killed server's zombie, which lingers until init reaps it, as
# running; /proc/<pid>/stat and cmdline are readable without CAP_SYS_PTRACE, unlike /proc/<pid>/cwd.)
running() {
    local pid state
    pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d ' ' -f 1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-D $data "
}

# The port the cluster in <dir> was made for (the script writes it into postgresql.conf).
configured_port() {
    sed -n "s/^port = \([0-9]*\).*/\1/p" "$conf" | tail -n 1
}

# Runs a command silently, showing its output only if it fails.
quiet() {
    local output
    output=$("$@" 2>&1) || { echo "$output" >&2; echo "error: $1 failed" >&2; return 1; }
}

fail_with_log() {
    echo "error: $1; the end of $log:" >&2
    tail -n 30 "$log" >&2 2>/dev/null || true
    exit 1
}

# Waits (at most 30 s) until the server accepts TCP connections on 127.0.0.1.
wait_ready() {
    local port=$1
    for _ in $(seq 1 60); do
        "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -t 1 && return 0
        sleep 0.5
    done
    fail_with_log "the server does not accept connections on 127.0.0.1:$port after 30 s"
}

# Starts the stopped (or killed) cluster. After a kill -9 the old server's lock files remain, its pid may still
# be a zombie (which the new postmaster would take for a live one: init reaps it late), and its backends may hold
# the shared memory for a moment (the new postmaster then refuses to start): the stale lock files go, and a
# start refused for the shared memory or a lock file is tried again, for up to 30 s.
start_server() {
    local port deadline output logged
    port=$(configured_port)
    deadline=$((SECONDS + 30))
    until running; do
        rm -f "$data/postmaster.pid" "$dir/.s.PGSQL.$port.lock"
        logged=$(stat -c %s "$log" 2>/dev/null || echo 0)
        output=$(as_server "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 30 -s 2>&1) && break
        if [ $SECONDS -ge $deadline ] ||
            ! tail -c +$((logged + 1)) "$log" 2>/dev/null | grep -qE 'shared memory block|lock file'; then
            echo "$output" >&2
            fail_with_log "the server did not start"
        fi
        sleep 0.5
    done
    wait_ready "$port"
}

# stop and restart on a directory with no cluster: nothing to do.
if [ "$command" != start ]; then
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        [ "$command" = stop ] && exit 0
        echo "error: no cluster in $dir/data; run '$0 start $dir' first" >&2
        exit 1
    fi
    bin=$(find_bin) || { echo "error: PostgreSQL's server binaries are not installed" >&2; exit 1; }
    dir=$(cd "$dir" && pwd -P)
    data="$dir/data" log="$dir/server.log" conf="$data/postgresql.conf"
    if [ "$command" = stop ]; then
        running || exit 0
        # A fast stop rolls back open transactions and disconnects clients; should it hang, an immediate one.
        as_server "$bin/pg_ctl" stop -D "$data" -m fast -w -t 30 -s 2>/dev/null || ! running ||
            as_server "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 30 -s 2>/dev/null || ! running
        exit
    fi
    # restart: postmaster.opts and postgresql.conf keep the port and settings. A server that is not running
    # (stopped, or killed by a test) is started.
    if running; then
        as_server "$bin/pg_ctl" restart -D "$data" -l "$log" -m fast -w -t 30 -s 2>/dev/null || true
    fi
    start_server
    exit 0
fi

# --- start ---

# The server binaries: Debian's postgresql package (its postinst may make and start its own `main` cluster on
# 5432, which this script never uses).
if ! bin=$(find_bin); then
    sudo=""; $is_root || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin) || { echo "error: apt-get installed no /usr/lib/postgresql/*/bin/initdb" >&2; exit 1; }
fi
# The package creates the OS user postgres; a machine without it gets a system user of that name.
if $is_root && ! id -u postgres >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /usr/sbin/nologin postgres
fi
server_user=$(if $is_root; then echo postgres; else id -un; fi)

mkdir -p "$dir"
dir=$(cd "$dir" && pwd -P)
data="$dir/data" log="$dir/server.log" conf="$data/postgresql.conf"
# The path goes unquoted into the connection line and quoted into postgresql.conf: keep it plain. The socket's
# path (<dir>/.s.PGSQL.<port>) must fit a sockaddr_un (107 bytes).
if ! [[ $dir =~ ^[A-Za-z0-9._/+@%:,=-]+$ ]]; then
    echo "error: $dir: use a directory whose path has no spaces, quotes or backslashes" >&2
    exit 1
fi
if [ $((${#dir} + 17)) -gt 107 ]; then
    echo "error: $dir: the path is too long for the server's unix socket in it (at most 90 characters)" >&2
    exit 1
fi

if running; then
    if [ -f "$dir/connection" ]; then
        cat "$dir/connection"
        exit 0
    fi
    port=$(configured_port)
else
    port=${requested_port:-55432}
fi

# <dir> holds the socket, the log and the lock file: the server's user owns it, and anyone may read it (the
# password and the keys are 0600).
if $is_root; then
    chown postgres:postgres "$dir"
fi
chmod 755 "$dir"
if $is_root && ! runuser -u postgres -- test -w "$dir" -a -x "$dir"; then
    echo "error: the user postgres cannot reach $dir (a directory above it is closed to other users)" >&2
    exit 1
fi

# A throwaway CA and a server certificate for 127.0.0.1 and localhost, signed by it (once per directory).
if [ ! -f "$dir/server.pem" ]; then
    quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
        -subj "/CN=GovCase throwaway test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    quiet openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr"
    quiet openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -set_serial "0x$(openssl rand -hex 16)" -days 365 -out "$dir/server.pem.new" \
        -extfile <(printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth")
    rm -f "$dir/server.csr"
    chmod 644 "$dir/ca.pem" "$dir/server.pem.new"
    # The server refuses a key anyone but its user can read.
    chmod 600 "$dir/ca.key" "$dir/server.key"
    $is_root && chown postgres:postgres "$dir/server.key"
    mv "$dir/server.pem.new" "$dir/server.pem"
fi

# A new cluster in <dir>/data (once per directory): superuser postgres, reached only over <dir>'s socket by the
# server's OS user (peer, mapped); everything else over TCP from 127.0.0.1 with scram-sha-256. A cluster left
# without the settings below (a start interrupted after initdb) is made again.
marker='# --- scripts/postgres-test-server.sh: a test server on a small machine ---'
if ! grep -qsxF -- "$marker" "$conf"; then
    rm -rf "$data"
    quiet as_server "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C --auth=reject
    cat >"$data/pg_hba.conf" <<EOF
# Written by scripts/postgres-test-server.sh.
# TYPE  DATABASE  USER      ADDRESS        METHOD
local   all       postgres                 peer map=admin
hostssl all       all       127.0.0.1/32   scram-sha-256
host    all       all       127.0.0.1/32   scram-sha-256
EOF
    printf '# MAPNAME  SYSTEM-USERNAME  PG-USERNAME\nadmin      %s  postgres\n' "$server_user" >"$data/pg_ident.conf"
    cat >>"$conf" <<EOF

$marker
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
# Tests kill and restart the server and must find every commit it acknowledged.
fsync = on
synchronous_commit = on
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '$dir/server.pem'
ssl_key_file = '$dir/server.key'
EOF
    $is_root && chown postgres:postgres "$data/pg_hba.conf" "$data/pg_ident.conf" "$conf"
elif [ -n "$requested_port" ] && [ "$requested_port" != "$(configured_port)" ]; then
    echo "error: the cluster in $data listens on port $(configured_port), not $requested_port" >&2
    exit 1
else
    port=$(configured_port)
fi

start_server

# Role and database govcase; the password is made once and set again on every start (it is the file's).
if [ ! -s "$dir/govcase.password" ]; then
    openssl rand -hex 24 | tr -d '\n' >"$dir/govcase.password.new"
    mv "$dir/govcase.password.new" "$dir/govcase.password"
fi
chmod 600 "$dir/govcase.password"
password=$(cat "$dir/govcase.password")
# The SQL goes through stdin, so the password shows in no process list.
as_server "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres >/dev/null <<EOF
SELECT 'CREATE ROLE govcase' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'govcase') \gexec
ALTER ROLE govcase LOGIN CREATEDB PASSWORD '$password';
SELECT 'CREATE DATABASE govcase OWNER govcase' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'govcase') \gexec
EOF

line="host=127.0.0.1 port=$port user=govcase dbname=govcase password_file=$dir/govcase.password sslrootcert=$dir/ca.pem"
echo "$line" >"$dir/connection"
chmod 644 "$dir/connection"
echo "$line"

#!/usr/bin/env bash
# Start or stop the mosquitto of the test suite (.ci/mosquitto-suite.conf) with the dynamic security
# plugin and a fresh admin with a random password.
#   .ci/mosquitto-suite.sh start <dir> [conf line...]
#                                        writes <dir>/{mosquitto.conf,dynsec.json,admin.json}, starts
#                                        mosquitto in the background, waits until its port answers and
#                                        prints INFUSIM_TEST_MOSQUITTO_URL=... and INFUSIM_TEST_MOSQUITTO_ADMIN=...
#                                        Extra configuration lines go last (a test uses
#                                        `allow_anonymous true` for the legacy-unauthenticated profile).
#   .ci/mosquitto-suite.sh stop <dir>    stops it (pid in <dir>/mosquitto.pid)
# Exits non-zero with a message on stderr if mosquitto, mosquitto_ctrl or the plugin is missing or the
# broker does not come up.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }

stop_broker() {
  if [ -f "$1/mosquitto.pid" ]; then
    local pid
    pid="$(cat "$1/mosquitto.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$1/mosquitto.pid"
  fi
}

# Does process $1 hold the listening socket of 127.0.0.1:$2? (Linux /proc: the port answering is not
# enough, another process may have taken a port picked as free before mosquitto bound it.)
owns_port() {
  local hex inode
  hex="$(printf ':%04X' "$2")"
  for inode in $(awk -v h="$hex" 'FNR > 1 && substr($2, length($2) - 4) == h && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
    if ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$inode\]"; then return 0; fi
  done
  return 1
}

if [ "$cmd" = stop ]; then
  stop_broker "$dir"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }

fail() { echo "mosquitto-suite: $*" >&2; exit 1; }
bin="${INFUSIM_MOSQUITTO:-/usr/sbin/mosquitto}"
[ -x "$bin" ] || fail "no mosquitto at $bin: install the Debian package \`mosquitto\` (apt-get install -y mosquitto)"
command -v mosquitto_ctrl >/dev/null || fail "no mosquitto_ctrl: it comes with the Debian package \`mosquitto\` 2.x"
plugin="$(ls /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so 2>/dev/null | head -n 1 || true)"
[ -n "$plugin" ] || fail "no mosquitto_dynamic_security.so (it comes with the Debian package \`mosquitto\` 2.x)"
command -v node >/dev/null || fail "node is needed to pick a free port"

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
# Running twice: stop what an earlier start left in this directory, start from fresh files.
stop_broker "$dir"
rm -f "$dir/dynsec.json" "$dir/admin.json" "$dir/mosquitto.db" "$dir/mosquitto.log"

# A random admin password (base64url, 24 characters), never printed.
password="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(18).toString("base64url"))')"
mosquitto_ctrl dynsec init "$dir/dynsec.json" admin "$password" >/dev/null
(umask 077; printf '{ "username": "admin", "password": "%s" }\n' "$password" > "$dir/admin.json")

# Started as root, mosquitto drops to the user `mosquitto`, which must be able to write dynsec.json
# and its persistence. admin.json stays root's.
if [ "$(id -u)" = 0 ] && id -u mosquitto >/dev/null 2>&1; then
  chown mosquitto: "$dir" "$dir/dynsec.json"
fi

# A port picked as free can be taken before mosquitto binds it: then pick another (3 tries).
for attempt in 1 2 3; do
  port="$(node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})')"
  cp "$here/mosquitto-suite.conf" "$dir/mosquitto.conf"
  cat >> "$dir/mosquitto.conf" <<CONF

# appended by .ci/mosquitto-suite.sh
listener $port 127.0.0.1
plugin $plugin
plugin_opt_config_file $dir/dynsec.json
persistence_location $dir/
CONF
  for line in "${@:3}"; do printf '%s\n' "$line" >> "$dir/mosquitto.conf"; done

  "$bin" -c "$dir/mosquitto.conf" >/dev/null 2>"$dir/mosquitto.log" &
  pid=$!
  echo "$pid" > "$dir/mosquitto.pid"
  # Up to 60 s: a bound for a loaded machine.
  for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      grep -qi 'address already in use' "$dir/mosquitto.log" && [ "$attempt" -lt 3 ] && continue 2
      fail "mosquitto exited at start: $(cat "$dir/mosquitto.log")"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && owns_port "$pid" "$port"; then
      echo "INFUSIM_TEST_MOSQUITTO_URL=mqtt://127.0.0.1:$port"
      echo "INFUSIM_TEST_MOSQUITTO_ADMIN=$dir/admin.json"
      exit 0
    fi
    sleep 0.1
  done
  stop_broker "$dir"
  fail "mosquitto did not listen on 127.0.0.1:$port within 60 s: $(cat "$dir/mosquitto.log")"
done
fail "mosquitto could not bind a free port in 3 tries: $(cat "$dir/mosquitto.log")"

#!/bin/sh
# Inside the throwaway container of `make test-systemd` (systemd as PID 1, / volatile, the
# checkout at /src, results in /results): install with `make install-files`, then check the
# unit under its own hardening: start, READY/STATUS, the socket for a group member (and not
# for others), reload, a watchdog kill of a frozen daemon and its restart, stop.
exec > /results/log 2>&1
BIN=/opt/feedspool/bin
SOCK=/run/feedspool/feedspool.sock
step() { echo "== $*"; }
finish() { echo "$1" > /results/status; journalctl -u feedspool --no-pager > /results/journal 2>&1; systemctl poweroff; exit 0; }
fail() { echo "FAIL: $*"; finish FAIL; }

step "install"
cd /src || fail "no /src"
make --no-print-directory install-files PREFIX=/opt/feedspool BUILD_DIR=.build/debug || fail "make install-files"
cat > /etc/feedspool/feedspool.toml <<TOML
spool_dir = "/var/spool/feedspool"
state_dir = "/var/lib/feedspool"
socket = "$SOCK"
socket_group = "feedspool"
allow_file_urls = true
interval = "5m"
[[feed]]
url = "file:///src/config/samples/world-news.xml"
[[feed]]
url = "file:///src/config/samples/atom-blog.xml"
TOML
# A short watchdog, so that a frozen daemon is killed within the test's time.
mkdir -p /etc/systemd/system/feedspool.service.d
printf '[Service]\nWatchdogSec=4s\nRestartSec=1s\n' > /etc/systemd/system/feedspool.service.d/test.conf
systemctl daemon-reload

step "start"
systemctl start feedspool || { systemctl status feedspool --no-pager; fail "systemctl start"; }
[ "$(systemctl is-active feedspool)" = active ] || fail "not active"
status=$(systemctl show -p StatusText --value feedspool)
echo "StatusText: $status"
case "$status" in *"2 feeds"*) ;; *) fail "no STATUS= line";; esac
for i in $(seq 50); do ls /var/spool/feedspool/*.txt >/dev/null 2>&1 && break; sleep 0.2; done
ls -l /var/spool/feedspool || fail "no spool"
ls /var/spool/feedspool/*.txt >/dev/null 2>&1 || fail "no article delivered"

step "socket: a member of the group, and an outsider"
useradd -m -G feedspool tester || fail useradd
useradd -m outsider || fail useradd
setpriv --reuid=$(id -u tester) --regid=$(id -g tester) --init-groups $BIN/feedspool status --socket $SOCK || fail "status as a socket-group member"
if setpriv --reuid=$(id -u outsider) --regid=$(id -g outsider) --init-groups $BIN/feedspool status --socket $SOCK; then fail "an outsider was let in"; fi

step "reload"
systemctl reload feedspool || fail "systemctl reload"
sleep 1
[ "$(systemctl is-active feedspool)" = active ] || fail "not active after reload"
journalctl -u feedspool --no-pager | grep -q "configuration reloaded" || fail "no reload in the journal"

step "watchdog: a frozen daemon is killed and restarted"
pid=$(systemctl show -p MainPID --value feedspool)
kill -STOP "$pid"
new="$pid"
for i in $(seq 150); do
  new=$(systemctl show -p MainPID --value feedspool)
  [ "$new" != "$pid" ] && [ "$new" != 0 ] && [ "$(systemctl is-active feedspool)" = active ] && break
  sleep 0.2
done
[ "$new" != "$pid" ] || fail "the watchdog did not restart the daemon"
journalctl -u feedspool --no-pager | grep -qi "watchdog" || fail "no watchdog event in the journal"
setpriv --reuid=$(id -u tester) --regid=$(id -g tester) --init-groups $BIN/feedspool status --socket $SOCK || fail "status after the restart"

step "stop"
systemctl stop feedspool
[ "$(systemctl is-active feedspool)" = inactive ] || fail "still active after stop"
[ "$(systemctl show -p Result --value feedspool)" = success ] || fail "stop did not end in success"
step "all passed"
finish PASS

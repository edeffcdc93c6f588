#!/usr/bin/env bash
# Man pages generated from the programs themselves (make install; make man):
#   feedspool(1)       from `feedspool --help` and every verb's `feedspool help VERB`;
#   feedspoold(8)      from `feedspoold --help`;
#   feedspool.toml(5)  from config/feedspool.toml, the annotated default configuration.
# usage: tools/man.sh BIN_DIR OUT_DIR
set -euo pipefail
BIN=$1
OUT=$2
cd "$(dirname "$0")/.."
mkdir -p "$OUT"
VERSION=$("$BIN/feedspool" --version)
DATE=$(date -u +%Y-%m-%d)

# Escapes text for roff: backslashes, and lines that would start with a control character.
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

{
  echo ".TH FEEDSPOOL 1 \"$DATE\" \"feedspool $VERSION\" \"User Commands\""
  echo ".SH NAME"
  echo "feedspool \\- turn RSS, Atom and JSON feeds into plain-text articles; talk to feedspoold"
  echo ".SH SYNOPSIS"
  echo ".B feedspool"
  echo "[\\fIoptions\\fR] \\fIverb\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]"
  echo ".SH DESCRIPTION"
  echo "Options may come before the verb or after it. Each verb below, as its own help gives it."
  for verb in $("$BIN/feedspool" --help | awk '/^SUBCOMMANDS:/{on=1; next} on && NF {print $1}' | grep -v '^(' ); do
    echo ".SS $verb"
    echo ".nf"
    "$BIN/feedspool" help "$verb" 2>&1 | esc
    echo ".fi"
  done
  echo ".SH SEE ALSO"
  echo "feedspoold(8), feedspool.toml(5)"
} > "$OUT/feedspool.1"

{
  echo ".TH FEEDSPOOLD 8 \"$DATE\" \"feedspool $VERSION\" \"System Administration\""
  echo ".SH NAME"
  echo "feedspoold \\- the feedspool daemon: feeds in, a de-duplicated spool of articles out"
  echo ".SH SYNOPSIS"
  "$BIN/feedspoold" --help | head -1 | sed 's/^usage: //' | esc
  echo ".SH DESCRIPTION"
  echo ".nf"
  "$BIN/feedspoold" --help | tail -n +2 | esc
  echo ".fi"
  echo ".SH FILES"
  echo "/etc/feedspool/feedspool.toml, /var/spool/feedspool, /var/lib/feedspool, /run/feedspool/feedspool.sock"
  echo ".SH SEE ALSO"
  echo "feedspool(1), feedspool.toml(5), systemd.service(5)"
} > "$OUT/feedspoold.8"

{
  echo ".TH FEEDSPOOL.TOML 5 \"$DATE\" \"feedspool $VERSION\" \"File Formats\""
  echo ".SH NAME"
  echo "feedspool.toml \\- the configuration of feedspoold"
  echo ".SH DESCRIPTION"
  echo "TOML. Relative paths are relative to the file. Every key, with its default and meaning,"
  echo "as the annotated default configuration (installed as /etc/feedspool/feedspool.toml) gives it."
  echo "\\fBfeedspoold --check-config\\fR names every problem with its file, line and fix."
  echo ".SH KEYS"
  echo ".nf"
  esc < config/feedspool.toml
  echo ".fi"
  echo ".SH SEE ALSO"
  echo "feedspoold(8), feedspool(1)"
} > "$OUT/feedspool.toml.5"

#!/bin/sh
# Fetches the published snapshot from object storage into the pod's snapshot volume. It
# downloads to a temporary name in the same directory, checks the SHA-256, and only then
# renames the file over the snapshot, so rirwhois never sees a partly written file. Never
# write into the served file itself: rirwhois maps it, and changing it in place is a SIGBUS.
#
#   pull-snapshot.sh once   (init container) retry until a snapshot is in place, then exit
#   pull-snapshot.sh loop   (sidecar) check every SNAPSHOT_POLL_SECS; install what is new
#
# The publisher uploads NAME first and then NAME.sha256 (the output of `sha256sum NAME`).
# The small .sha256 object is what this script polls. A download whose hash does not match
# is dropped and tried again on the next round, which covers a publish in progress.
#
# Environment (ConfigMap rirwhois-snapshot-source, from snapshot-source.env):
#   SNAPSHOT_SOURCE     rclone path of the folder holding NAME and NAME.sha256 (required)
#   SNAPSHOT_NAME       file name, default registry.snap
#   SNAPSHOT_DIR        local folder, default /var/lib/rirwhois
#   SNAPSHOT_POLL_SECS  seconds between checks in loop mode, default 60
#   RCLONE_CONFIG_*     the rclone remote; credentials come from the Secret
#                       rirwhois-object-store or from the pod's cloud identity
set -eu

mode=${1:-loop}
src=${SNAPSHOT_SOURCE:?SNAPSHOT_SOURCE is not set (e.g. store:bucket/rirwhois)}
name=${SNAPSHOT_NAME:-registry.snap}
dir=${SNAPSHOT_DIR:-/var/lib/rirwhois}
poll=${SNAPSHOT_POLL_SECS:-60}
live="$dir/$name"
tmp="$dir/.$name.download"
installed="$dir/.$name.sha256"

log() { echo "pull-snapshot: $*" >&2; }

# Installs the published snapshot unless it is already in place. Returns non-zero when
# nothing could be installed; the snapshot in place (if any) is then left alone.
pull() {
    want=$(rclone cat "$src/$name.sha256" | cut -c1-64) || return 1
    case $want in
    *[!0-9a-f]* | "") log "no usable hash in $src/$name.sha256"; return 1 ;;
    esac
    if [ ${#want} -ne 64 ]; then log "no usable hash in $src/$name.sha256"; return 1; fi
    if [ -f "$live" ] && [ "$(cat "$installed" 2>/dev/null || true)" = "$want" ]; then
        return 0
    fi
    log "fetching $src/$name (sha256 $want)"
    rm -f "$tmp"
    if ! rclone copyto "$src/$name" "$tmp"; then
        rm -f "$tmp"
        return 1
    fi
    got=$(sha256sum "$tmp" | cut -c1-64) || return 1
    if [ "$got" != "$want" ]; then
        log "downloaded sha256 $got, published $want (a publish in progress?); will retry"
        rm -f "$tmp"
        return 1
    fi
    chmod 0444 "$tmp" || return 1
    # The rename is atomic; rirwhois sees the new inode and reloads.
    mv -f "$tmp" "$live" || return 1
    echo "$want" >"$installed" || return 1
    log "installed $live (sha256 $want)"
}

# Exit promptly when the kubelet stops the pod: sleep in the background and wait, so the
# trap runs at once.
trap 'exit 0' TERM INT
nap() {
    sleep "$1" &
    wait $! || true
}

case $mode in
once)
    until pull; do
        if [ -f "$live" ]; then
            log "cannot check for a newer snapshot; starting with the one in place"
            break
        fi
        log "no snapshot yet; retrying in 10 s"
        nap 10
    done
    ;;
loop)
    while :; do
        pull || log "pull failed; the current snapshot keeps serving"
        nap "$poll"
    done
    ;;
*)
    echo "usage: pull-snapshot.sh once|loop" >&2
    exit 2
    ;;
esac

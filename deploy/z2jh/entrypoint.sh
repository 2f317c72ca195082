#!/bin/sh
# lawstudy-entrypoint COMMAND...: give this pod's uid a user name, then run COMMAND.
#
# Each person's server runs as their own uid (hub.extraConfig in values.yaml), which the image's
# /etc/passwd does not list. nbgrader's submit guard (grader.hub.OwnSubmit) and the grader's collect
# (grader.hub.OwnerCheckedCollect, grader.exams.guard) read user names through getpwuid, so the name
# comes from nss_wrapper (Debian's libnss-wrapper), with /etc/passwd left read-only:
#   - a person's server: the image's entries plus one line, JUPYTERHUB_USER with this uid;
#   - the grader pod: $LAWSTUDY_HOME/hub/k8s-passwd, the image's entries plus every person's line
#     (written by deploy/z2jh/people.py with the uid map; nss_wrapper rereads a changed file).
# A name set here only tells this pod who it is; what counts is the uid on the files and the hub
# token the exam service checks.
set -eu
if [ -n "${LAWSTUDY_HOME:-}" ]; then
  # the grader pod: people.py rewrites this file (atomically) whenever the roster changes
  passwd="$LAWSTUDY_HOME/hub/k8s-passwd"
  if [ ! -f "$passwd" ]; then
    mkdir -p "$LAWSTUDY_HOME/hub"
    cat /etc/passwd > "$passwd.tmp.$$" && mv "$passwd.tmp.$$" "$passwd"
  fi
elif ! getent passwd "$(id -u)" >/dev/null 2>&1; then
  # a person's server
  passwd="${TMPDIR:-/tmp}/lawstudy-passwd"
  cat /etc/passwd > "$passwd"
  printf '%s:x:%s:%s::%s:/bin/sh\n' "${JUPYTERHUB_USER:-lawstudy}" "$(id -u)" "$(id -g)" "${HOME:-/home/lawstudy}" >> "$passwd"
else
  exec "$@"
fi
lib=$(ls /usr/lib/*/libnss_wrapper.so 2>/dev/null | head -n 1)
if [ -n "$lib" ]; then
  export LD_PRELOAD="$lib" NSS_WRAPPER_PASSWD="$passwd" NSS_WRAPPER_GROUP=/etc/group
fi
exec "$@"

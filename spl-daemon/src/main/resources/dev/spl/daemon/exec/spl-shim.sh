#!/bin/bash
# `spl` for a shell child of the worker at 127.0.0.1:@PORT@: the worker runs the command in its
# own JVM, with this process's arguments, working directory and environment, and answers with the
# command's output and exit code; no JVM starts here. Whatever the worker does not run (no
# credential, a command that reads standard input, a worker that does not answer or declines)
# runs through the next `spl` on PATH.
spl_shim_port=@PORT@
spl_shim_dir=@DIR@

spl_shim_fallback() {
  local dir IFS=:
  for dir in $PATH; do
    if [ "$dir" != "$spl_shim_dir" ] && [ -f "$dir/spl" ] && [ -x "$dir/spl" ]; then
      exec "$dir/spl" "$@"
    fi
  done
  echo "spl: the worker did not run this command and there is no other spl on PATH" >&2
  exit 127
}

spl_shim_body() {
  local name
  printf '%s\0' "$PWD"
  for name in $(compgen -e); do
    printf '%s=%s\0' "$name" "${!name}"
  done
  printf '\0'
  if [ $# -gt 0 ]; then
    printf '%s\0' "$@"
  fi
}

if [ -z "$SPL_CHILD_CREDENTIAL" ]; then
  spl_shim_fallback "$@"
fi
for spl_shim_arg in "$@"; do
  if [ "$spl_shim_arg" = "-" ]; then
    spl_shim_fallback "$@"
  fi
done
{ exec 3<>"/dev/tcp/127.0.0.1/$spl_shim_port"; } 2>/dev/null || spl_shim_fallback "$@"
spl_shim_length=$(spl_shim_body "$@" | wc -c)
{
  printf 'POST /v1/children/spl HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n' "$spl_shim_port"
  printf 'Spl-Child-Credential: %s\r\nContent-Type: application/octet-stream\r\n' \
    "$SPL_CHILD_CREDENTIAL"
  printf 'Content-Length: %s\r\n\r\n' "$spl_shim_length"
  spl_shim_body "$@"
} >&3 2>/dev/null
IFS= read -r spl_shim_status <&3
spl_shim_status=${spl_shim_status%$'\r'}
spl_shim_code=${spl_shim_status#* }
spl_shim_code=${spl_shim_code%% *}
spl_shim_exit=
spl_shim_out=
while IFS= read -r spl_shim_line <&3; do
  spl_shim_line=${spl_shim_line%$'\r'}
  [ -z "$spl_shim_line" ] && break
  case "${spl_shim_line,,}" in
    spl-exit-code:*) spl_shim_exit=${spl_shim_line#*:} ;;
    spl-stdout-bytes:*) spl_shim_out=${spl_shim_line#*:} ;;
  esac
done
spl_shim_exit=${spl_shim_exit// /}
spl_shim_out=${spl_shim_out// /}
if [ "$spl_shim_code" != 200 ] || [ -z "$spl_shim_exit" ] || [ -z "$spl_shim_out" ]; then
  exec 3<&-
  if [ -n "$SPL_DEBUG" ]; then
    echo "spl: the worker did not run the command (HTTP $spl_shim_code); running the launcher" >&2
  fi
  spl_shim_fallback "$@"
fi
head -c "$spl_shim_out" <&3
cat <&3 >&2
exec 3<&-
exit "$spl_shim_exit"

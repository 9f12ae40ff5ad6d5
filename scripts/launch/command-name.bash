# Sourced by scripts/spl (and by the test that checks it against the command line's model).
#
# spl_command_name VALUE_OPTIONS_FILE ARGS...: sets spl_command to the name of the command in ARGS,
# the first argument that is neither an option nor the value of a global option that takes one,
# and spl_subcommand to the next such argument (`list` in `spl task list`); each empty when there
# is none. VALUE_OPTIONS_FILE lists those options one a line (the build writes it
# from the picocli model: dev.spl.cli.LaunchFiles). `--home=DIR` and `-ojson` carry their value.
# Bash builtins only: no process is started.
spl_command_name() {
  local file="$1" arg option skip_value=0 value_options=" "
  shift
  while IFS= read -r option || [ -n "$option" ]; do
    [ -n "$option" ] && value_options+="$option "
  done <"$file"
  spl_command=""
  spl_subcommand=""
  for arg in "$@"; do
    if [ "$skip_value" = 1 ]; then
      skip_value=0
      continue
    fi
    case "$arg" in
      -*)
        case "$value_options" in
          *" $arg "*) skip_value=1 ;;
        esac
        ;;
      *)
        if [ -z "$spl_command" ]; then
          spl_command="$arg"
        else
          spl_subcommand="$arg"
          return 0
        fi
        ;;
    esac
  done
}

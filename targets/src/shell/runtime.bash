# ---- The runner: the same in every script pipec writes. ---------------------------------
# Jobs run as background process groups (set -m), at most -j at a time; a job's steps run
# one after another through their launchers, each in a subshell holding the step's
# environment. `pipec run` runs the same plan with the same launchers.

pipec_die() {
  printf 'pipec: %s\n' "$*" >&2
  exit 2
}

# Milliseconds since the epoch.
pipec_now_ms() {
  local now=${EPOCHREALTIME/[.,]/}
  printf '%s' "$((now / 1000))"
}

# A duration in milliseconds as the summary shows it: 1.2s.
pipec_seconds() {
  printf '%s.%ss' "$(($1 / 1000))" "$(($1 % 1000 / 100))"
}

pipec_usage() {
  cat <<EOF
Usage: $0 [OPTIONS]

Runs the pipeline \`$PIPEC_PIPELINE\` on this machine: jobs in dependency order, at most
-j at a time. Logs and job files go to .pipe/runs/<run id>/ under the repository root.

Options:
  -j, --jobs N            Run at most N jobs at once [default: the number of cores]
      --event NAME        push, pull_request, workflow_dispatch, schedule, tag, ...
                          [default: push; workflow_dispatch when an --input is given]
      --branch NAME       [default: the current git branch]
      --tag NAME          [default: the tag of HEAD, if any]
      --base-branch NAME  A pull request's target branch [default: main]
      --input NAME=VALUE  A dispatch input (repeatable)
      --secret NAME       Check that the environment gives the secret NAME (repeatable)
      --secret-file FILE  Read secrets from FILE, one NAME=VALUE per line
      --no-services       Run without services and job containers (no docker)
      --run-dir DIR       Where logs and job files go [default: .pipe/runs/<run id>]
  -h, --help              Print this help

Secrets and variables are read from environment variables of the same name; secrets are
masked (***) in the job logs.

Exit codes: 0 every job succeeded (or was skipped), 1 a job failed, 2 the run could not
start, 130 interrupted.
EOF
}

declare -A PIPEC_PARAM=()
declare -A PIPEC_RESULT=() PIPEC_PID=() PIPEC_START=() PIPEC_DURATION=() PIPEC_NOTE=()
PIPEC_MASKS=()
PIPEC_ESCALATORS=()
pipec_running=0
pipec_interrupted=0
pipec_jobs_max=0
pipec_services=1
pipec_docker=""
pipec_reason=""

pipec_main() {
  local event="" branch="" branch_given=0 tag="" tag_given=0 base_branch=main run_dir=""
  local -A inputs=()
  local name value
  while [ $# -gt 0 ]; do
    case $1 in
      --*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" ;;
    esac
    case $1 in
      -h | --help)
        pipec_usage
        exit 0
        ;;
      --no-services)
        pipec_services=0
        shift
        ;;
      -j | --jobs | --event | --branch | --tag | --base-branch | --input | --secret | --secret-file | --run-dir)
        [ $# -ge 2 ] || pipec_die "$1 needs a value (see --help)"
        case $1 in
          -j | --jobs) pipec_jobs_max=$2 ;;
          --event) event=$2 ;;
          --branch) branch=$2 branch_given=1 ;;
          --tag) tag=$2 tag_given=1 ;;
          --base-branch) base_branch=$2 ;;
          --run-dir) run_dir=$2 ;;
          --secret)
            [ -n "${!2+set}" ] || pipec_die "--secret $2: the environment has no variable $2 (set it, or use --secret-file)"
            ;;
          --secret-file) pipec_secret_file "$2" ;;
          --input)
            case $2 in
              *=*) ;;
              *) pipec_die "--input takes NAME=VALUE, not $2" ;;
            esac
            name=${2%%=*}
            value=${2#*=}
            pipec_check_input "$name" "$value" || exit 2
            inputs[$name]=$value
            ;;
        esac
        shift 2
        ;;
      -j*)
        pipec_jobs_max=${1#-j}
        shift
        ;;
      *) pipec_die "unknown argument $1 (see --help)" ;;
    esac
  done
  case $pipec_jobs_max in
    0) pipec_jobs_max=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2) ;;
    *[!0-9]*) pipec_die "-j takes a number of jobs, not $pipec_jobs_max" ;;
  esac
  if [ -z "$event" ]; then
    event=push
    [ ${#inputs[@]} -eq 0 ] || event=workflow_dispatch
  fi

  pipec_contexts "$event" "$branch" "$branch_given" "$tag" "$tag_given" "$base_branch"
  for name in "${PIPEC_INPUTS[@]}"; do
    if [ -n "${inputs[$name]+set}" ]; then
      PIPEC_PARAM[$(pipec_input_param "$name")]=${inputs[$name]}
    elif [ "${PIPEC_PARAM[event]}" = workflow_dispatch ]; then
      pipec_input_default "$name" || exit 2
    else
      PIPEC_PARAM[$(pipec_input_param "$name")]=""
    fi
  done

  PIPEC_RUN_ID="$(date -u +%Y%m%d-%H%M%S)-$$"
  if [ -z "$run_dir" ] && [ ! -e "${PIPEC_PARAM[workspace]}/.pipe/.gitignore" ]; then
    # Runs are not sources: keep them out of `git status`.
    mkdir -p "${PIPEC_PARAM[workspace]}/.pipe" &&
      printf '# Local runs of pipec (pipec run, shell scripts).\n*\n' >"${PIPEC_PARAM[workspace]}/.pipe/.gitignore"
  fi
  RUN_DIR=${run_dir:-${PIPEC_PARAM[workspace]}/.pipe/runs/$PIPEC_RUN_ID}
  case $RUN_DIR in
    /*) ;;
    *) RUN_DIR=$PWD/$RUN_DIR ;;
  esac
  mkdir -p "$RUN_DIR/logs" "$RUN_DIR/jobs" || pipec_die "cannot create $RUN_DIR"

  if [ "$PIPEC_USES_DOCKER" = 1 ] && [ "$pipec_services" = 1 ]; then
    for name in docker podman; do
      if command -v "$name" >/dev/null 2>&1 && "$name" info >/dev/null 2>&1; then
        pipec_docker=$name
        break
      fi
    done
    [ -n "$pipec_docker" ] || pipec_die "this pipeline has services or job containers, and neither docker nor podman is running here; start one, or pass --no-services to run without them"
  fi

  set -m
  trap pipec_interrupt INT TERM
  local started
  started=$(pipec_now_ms)
  printf 'pipec: run %s of pipeline %s, logs in %s\n' "$PIPEC_RUN_ID" "\`$PIPEC_PIPELINE\`" "$RUN_DIR/logs" >&2
  pipec_schedule
  # The logs are complete once the masking processes have read everything, and no job is
  # left once every stopped one is gone.
  [ ${#PIPEC_MASKS[@]} -eq 0 ] || wait "${PIPEC_MASKS[@]}"
  [ ${#PIPEC_ESCALATORS[@]} -eq 0 ] || wait "${PIPEC_ESCALATORS[@]}" 2>/dev/null
  pipec_summary "$(($(pipec_now_ms) - started))"
  [ "$pipec_interrupted" = 0 ] || exit 130
  for name in "${PIPEC_JOBS[@]}"; do
    [ "${PIPEC_RESULT[$name]}" != failure ] || exit 1
  done
  exit 0
}

# Exports the NAME=VALUE lines of a secrets file (a dotenv file: `#` comments, optional
# `export` and quotes).
pipec_secret_file() {
  local line name value number=0
  [ -r "$1" ] || pipec_die "cannot read $1"
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    line=${line#"${line%%[![:space:]]*}"}
    case $line in
      '' | '#'*) continue ;;
      'export '*) line=${line#export } ;;
    esac
    case $line in
      *=*) ;;
      *) pipec_die "$1:$number: expected NAME=VALUE" ;;
    esac
    name=${line%%=*}
    name=${name%"${name##*[![:space:]]}"}
    value=${line#*=}
    value=${value#"${value%%[![:space:]]*}"}
    value=${value%"${value##*[![:space:]]}"}
    case $value in
      \"*\") value=${value#\"} value=${value%\"} ;;
      \'*\') value=${value#\'} value=${value%\'} ;;
    esac
    export "$name=$value"
  done <"$1"
}

# What GitHub knows about a run, from git and the options.
pipec_contexts() {
  local event=$1 branch=$2 branch_given=$3 tag=$4 tag_given=$5 base_branch=$6
  local workspace repository
  workspace=$(git rev-parse --show-toplevel 2>/dev/null) || workspace=$PWD
  case $event in
    dispatch) event=workflow_dispatch ;;
    pr) event=pull_request ;;
    tag)
      event=push
      [ "$branch_given" = 1 ] || branch_given=1 branch=""
      ;;
  esac
  if [ "$tag_given" = 0 ] && [ "$branch_given" = 0 ]; then
    tag=$(git -C "$workspace" describe --tags --exact-match HEAD 2>/dev/null) || tag=""
  fi
  if [ "$branch_given" = 0 ]; then
    if [ -n "$tag" ]; then
      branch=""
    else
      branch=$(git -C "$workspace" symbolic-ref --short -q HEAD 2>/dev/null) || branch=""
    fi
  fi
  # owner/name from the origin's URL (https://host/owner/name.git, git@host:owner/name).
  repository=$(git -C "$workspace" remote get-url origin 2>/dev/null) || repository=""
  repository=${repository%.git}
  case $repository in
    *[:/]*/*) repository=$(printf '%s\n' "$repository" | awk -F'[:/]' '{ print $(NF-1) "/" $NF }') ;;
    *) repository=local/${workspace##*/} ;;
  esac
  PIPEC_PARAM[workspace]=$workspace
  PIPEC_PARAM[event]=$event
  PIPEC_PARAM[sha]=$(git -C "$workspace" rev-parse HEAD 2>/dev/null) || PIPEC_PARAM[sha]=0000000000000000000000000000000000000000
  PIPEC_PARAM[repository]=$repository
  PIPEC_PARAM[repository-owner]=${repository%%/*}
  PIPEC_PARAM[actor]=${USER:-$(id -un 2>/dev/null || echo local)}
  PIPEC_PARAM[run-number]=1
  PIPEC_PARAM[run-attempt]=1
  PIPEC_PARAM[base-branch]=""
  PIPEC_PARAM[head-branch]=""
  if [ "$event" = pull_request ]; then
    PIPEC_PARAM[base-branch]=$base_branch
    PIPEC_PARAM[head-branch]=$branch
    PIPEC_PARAM[branch]=""
    PIPEC_PARAM[tag]=""
    PIPEC_PARAM[ref]="refs/pull/0/merge"
    PIPEC_PARAM[ref-name]="0/merge"
  elif [ -n "$tag" ] && [ -z "$branch" ]; then
    PIPEC_PARAM[branch]=""
    PIPEC_PARAM[tag]=$tag
    PIPEC_PARAM[ref]="refs/tags/$tag"
    PIPEC_PARAM[ref-name]=$tag
  else
    PIPEC_PARAM[branch]=$branch
    PIPEC_PARAM[tag]=""
    PIPEC_PARAM[ref]="refs/heads/$branch"
    PIPEC_PARAM[ref-name]=$branch
  fi
}

pipec_schedule() {
  local job progress
  while :; do
    progress=0
    for job in "${PIPEC_JOBS[@]}"; do
      if [ -n "${PIPEC_RESULT[$job]-}" ] || [ -n "${PIPEC_PID[$job]-}" ]; then
        continue
      fi
      pipec_needs_ended "$job" || continue
      if [ "$pipec_interrupted" = 1 ]; then
        pipec_end "$job" cancelled "the run was interrupted"
      elif ! pipec_decide "$job"; then
        pipec_end "$job" skipped "$pipec_reason"
      elif [ "$pipec_running" -lt "$pipec_jobs_max" ] && pipec_group_has_room "$job"; then
        pipec_start "$job"
      else
        continue
      fi
      progress=1
    done
    [ "$progress" = 0 ] || continue
    [ "$pipec_running" -gt 0 ] || break
    # Returns when a job ends, or when a signal's trap has run.
    wait -n 2>/dev/null
    pipec_reap
  done
}

pipec_needs_ended() {
  local need
  for need in ${PIPEC_NEEDS[$1]-}; do
    [ -n "${PIPEC_RESULT[$need]-}" ] || return 1
  done
}

pipec_upstream_succeeded() {
  local job
  for job in ${PIPEC_ANCESTORS[$1]-}; do
    [ "${PIPEC_RESULT[$job]}" = success ] || return 1
  done
}

pipec_upstream_failed() {
  local job
  for job in ${PIPEC_ANCESTORS[$1]-}; do
    [ "${PIPEC_RESULT[$job]}" != failure ] || return 0
  done
  return 1
}

# A matrix's max_parallel: no more of its combinations running at once.
pipec_group_has_room() {
  local limit=${PIPEC_MAX_PARALLEL[$1]-} running=0 job
  [ -n "$limit" ] || return 0
  for job in ${PIPEC_SIBLINGS[$1]-}; do
    [ -z "${PIPEC_PID[$job]-}" ] || running=$((running + 1))
  done
  [ "$running" -lt "$limit" ]
}

pipec_start() {
  local job=$1 dir="$RUN_DIR/jobs/$1" log="$RUN_DIR/logs/$1.log" output
  mkdir -p "$dir/launch"
  output=$log
  if [ ${#PIPEC_SECRETS[@]} -gt 0 ]; then
    # The job writes to a pipe a masking process reads: that process is a group of its
    # own, so it outlives a killed job and writes everything the job wrote.
    output="$dir/output"
    mkfifo "$output"
    pipec_mask <"$output" >"$log" &
    PIPEC_MASKS+=("$!")
  fi
  (
    trap - INT TERM
    export PIPEC_STATE="$dir"
    exec </dev/null >"$output" 2>&1
    pipec_watchdog "${PIPEC_TIMEOUT[$job]}" "$dir" >/dev/null 2>&1 &
    cd "${PIPEC_PARAM[workspace]}" || exit 1
    if pipec_run_job "$job"; then
      echo success >"$dir/result"
    else
      echo failure >"$dir/result"
    fi
  ) &
  PIPEC_PID[$job]=$!
  PIPEC_START[$job]=$(pipec_now_ms)
  pipec_running=$((pipec_running + 1))
  printf 'pipec: started %s\n' "${PIPEC_TITLE[$job]}" >&2
}

# Copies stdin to stdout with the value of every secret (each of its lines) as ***, longest
# first, as `pipec run` and GitHub mask them.
pipec_mask() {
  PIPEC_SECRET_NAMES="${PIPEC_SECRETS[*]}" awk '
    BEGIN {
      n = split(ENVIRON["PIPEC_SECRET_NAMES"], names, " ")
      for (i = 1; i <= n; i++) {
        m = split(ENVIRON[names[i]], parts, "\n")
        for (j = 1; j <= m; j++) {
          sub(/\r$/, "", parts[j])
          if (parts[j] ~ /[^[:space:]]/) secrets[++count] = parts[j]
        }
      }
      for (i = 2; i <= count; i++) {
        for (j = i; j > 1 && length(secrets[j]) > length(secrets[j - 1]); j--) {
          swap = secrets[j]; secrets[j] = secrets[j - 1]; secrets[j - 1] = swap
        }
      }
    }
    {
      line = $0
      for (i = 1; i <= count; i++) {
        out = ""
        while ((at = index(line, secrets[i])) > 0) {
          out = out substr(line, 1, at - 1) "***"
          line = substr(line, at + length(secrets[i]))
        }
        line = out line
      }
      print line
      fflush()
    }'
}

# Kills the job's process group (its own: job control is off inside a job) when the job's
# time is up.
pipec_watchdog() {
  sleep "$1"
  echo "timed out after $1s" >"$2/timed-out"
  kill -TERM 0
}

pipec_reap() {
  local job pid dir
  for job in "${PIPEC_JOBS[@]}"; do
    pid=${PIPEC_PID[$job]-}
    [ -n "$pid" ] || continue
    ! kill -0 "$pid" 2>/dev/null || continue
    # What the job left running (its watchdog, a server it started) goes with it.
    pipec_stop "$pid"
    unset "PIPEC_PID[$job]"
    pipec_running=$((pipec_running - 1))
    dir="$RUN_DIR/jobs/$job"
    if [ -f "$dir/timed-out" ]; then
      pipec_end "$job" failure "$(cat "$dir/timed-out")"
    elif [ -f "$dir/cancelled" ]; then
      pipec_end "$job" cancelled "$(cat "$dir/cancelled")"
    elif [ -f "$dir/result" ]; then
      pipec_end "$job" "$(cat "$dir/result")"
    elif [ "$pipec_interrupted" = 1 ]; then
      pipec_end "$job" cancelled "the run was interrupted"
    else
      pipec_end "$job" failure "the job was killed"
    fi
  done
}

# Records how a job ended; a failed matrix combination cancels the others (fail_fast).
pipec_end() {
  local job=$1 result=$2 note=${3-} sibling
  PIPEC_RESULT[$job]=$result
  # What `needs.<job>.result` reads.
  mkdir -p "$RUN_DIR/jobs/$job"
  echo "$result" >"$RUN_DIR/jobs/$job/result"
  if [ -n "${PIPEC_START[$job]-}" ]; then
    PIPEC_DURATION[$job]=$(($(pipec_now_ms) - PIPEC_START[$job]))
    printf 'pipec: %s: %s (%s)\n' "${PIPEC_TITLE[$job]}" "$result" "$(pipec_seconds "${PIPEC_DURATION[$job]}")" >&2
  fi
  [ -z "$note" ] || PIPEC_NOTE[$job]=$note
  if [ "$result" = failure ] && [ -n "${PIPEC_FAIL_FAST[$job]-}" ]; then
    for sibling in ${PIPEC_SIBLINGS[$job]-}; do
      if [ "$sibling" = "$job" ] || [ -n "${PIPEC_RESULT[$sibling]-}" ]; then
        continue
      fi
      if [ -n "${PIPEC_PID[$sibling]-}" ]; then
        echo "cancelled: ${PIPEC_TITLE[$job]} failed (fail_fast)" >"$RUN_DIR/jobs/$sibling/cancelled"
        pipec_stop "${PIPEC_PID[$sibling]}"
      else
        PIPEC_RESULT[$sibling]=cancelled
        PIPEC_NOTE[$sibling]="${PIPEC_TITLE[$job]} failed (fail_fast)"
      fi
    done
  fi
}

pipec_interrupt() {
  local job
  pipec_interrupted=1
  printf '\npipec: interrupted: stopping %s running job(s)\n' "$pipec_running" >&2
  for job in "${PIPEC_JOBS[@]}"; do
    [ -z "${PIPEC_PID[$job]-}" ] || pipec_stop "${PIPEC_PID[$job]}"
  done
}

# Whether a process group has a live process. Zombies do not count: where nobody reaps
# orphans (some containers' init), they would keep a finished group "alive".
pipec_group_alive() {
  local stat line state ppid group
  kill -0 -- "-$1" 2>/dev/null || return 1
  [ -d /proc/self ] || return 0
  for stat in /proc/[0-9]*/stat; do
    { read -r line <"$stat"; } 2>/dev/null || continue
    read -r state ppid group _ <<<"${line##*) }"
    [ "$group" != "$1" ] || [ "$state" = Z ] || return 0
  done
  : "$ppid"
  return 1
}

# SIGTERM to a job's process group, then SIGKILL to what is still there 5s later.
pipec_stop() {
  kill -TERM -- "-$1" 2>/dev/null || return 0
  (
    for _ in $(seq 50); do
      pipec_group_alive "$1" || exit 0
      sleep 0.1
    done
    echo "pipec: a job did not stop within 5s of SIGTERM: SIGKILL" >&2
    kill -KILL -- "-$1" 2>/dev/null
  ) &
  PIPEC_ESCALATORS+=("$!")
}

pipec_summary() {
  local job width=3 counts="" result count duration
  for job in "${PIPEC_JOBS[@]}"; do
    [ "${#PIPEC_TITLE[$job]}" -le "$width" ] || width=${#PIPEC_TITLE[$job]}
  done
  for result in success:succeeded failure:failed skipped:skipped cancelled:cancelled; do
    count=0
    for job in "${PIPEC_JOBS[@]}"; do
      [ "${PIPEC_RESULT[$job]}" != "${result%:*}" ] || count=$((count + 1))
    done
    counts="$counts, $count ${result#*:}"
  done
  printf '\npipec: pipeline %s:%s in %s\n' "\`$PIPEC_PIPELINE\`" "${counts#,}" "$(pipec_seconds "$1")"
  printf "%-${width}s  %-9s  %7s  %s\n" JOB RESULT TIME NOTE
  for job in "${PIPEC_JOBS[@]}"; do
    duration=-
    [ -z "${PIPEC_DURATION[$job]-}" ] || duration=$(pipec_seconds "${PIPEC_DURATION[$job]}")
    printf "%-${width}s  %-9s  %7s  %s\n" "${PIPEC_TITLE[$job]}" "${PIPEC_RESULT[$job]}" "$duration" "${PIPEC_NOTE[$job]-}" | sed 's/ *$//'
  done
  printf 'logs: %s\n' "$RUN_DIR/logs"
}

# The value of a job output, as the job's last launcher wrote it.
pipec_output_of() {
  cat "$RUN_DIR/jobs/$1/outputs/$2" 2>/dev/null || true
}

# Runs a launcher read from stdin: on this machine, or in the job's container.
pipec_launch() {
  local file="$PIPEC_STATE/launch/$1.sh" name
  shift
  cat >"$file"
  if [ -z "${PIPEC_JOB_IMAGE-}" ]; then
    sh "$file" </dev/null
    return
  fi
  local args=(run --rm --network "$PIPEC_NETWORK" -v "${PIPEC_PARAM[workspace]}:${PIPEC_PARAM[workspace]}" -v "$RUN_DIR:$RUN_DIR" -w "$PWD" -e PIPEC_STATE)
  for name in "$@"; do
    args+=(-e "$name")
  done
  "$pipec_docker" "${args[@]}" "$PIPEC_JOB_IMAGE" sh "$file" </dev/null
}

# Starts the job's network (and its container's image) for its services and container.
pipec_network_start() {
  PIPEC_NETWORK="pipec-$PIPEC_RUN_ID-$1"
  "$pipec_docker" network create "$PIPEC_NETWORK" >/dev/null
}

# Starts one service: NAME IMAGE HEALTH_COMMAND PORT... -- ENV_NAME...
pipec_service_start() {
  local name=$1 image=$2 health=$3 container="$PIPEC_NETWORK-$1" env_name
  shift 3
  local args=(run -d --name "$container" --network "$PIPEC_NETWORK" --network-alias "$name")
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    args+=(-p "$1:$1")
    shift
  done
  [ $# -eq 0 ] || shift
  for env_name in "$@"; do
    args+=(-e "$env_name")
  done
  echo "pipec: starting service $name ($image)"
  "$pipec_docker" "${args[@]}" "$image" >/dev/null || return 1
  [ -n "$health" ] || return 0
  local attempt
  for attempt in $(seq 1 30); do
    if "$pipec_docker" exec "$container" sh -c "$health" >/dev/null 2>&1; then
      return 0
    fi
    echo "pipec: waiting for service $name to be healthy ($attempt)"
    sleep 2
  done
  echo "pipec: service $name did not become healthy" >&2
  return 1
}

pipec_network_stop() {
  local ids
  ids=$("$pipec_docker" ps -aq --filter "network=$PIPEC_NETWORK")
  # shellcheck disable=SC2086 # one id per word
  [ -z "$ids" ] || "$pipec_docker" rm -f $ids >/dev/null
  "$pipec_docker" network rm "$PIPEC_NETWORK" >/dev/null
}

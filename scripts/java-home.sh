# Sourced by the project's scripts: exports JAVA_HOME pointing at a JDK 21 or newer.
# Uses JAVA_HOME if it already names one, else the newest JDK under /usr/lib/jvm.

rocks_java_version() { # prints the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  # The JDK's release file answers without starting a JVM (bin/rocks asks on every run); a JDK
  # without one is asked itself.
  local version
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)
  if [ -n "$version" ]; then
    printf '%s\n' "$version"
    return 0
  fi
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

rocks_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ "$(rocks_java_version "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    return 0
  fi
  best="" best_version=0
  for candidate in /usr/lib/jvm/*/; do
    candidate=${candidate%/}
    version=$(rocks_java_version "$candidate")
    if [ -n "$version" ] && [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then
      best=$candidate best_version=$version
    fi
  done
  if [ -z "$best" ]; then
    echo "error: Rocks needs a JDK 21 or newer, and none was found." >&2
    echo "       JAVA_HOME=${JAVA_HOME:-<unset>}; looked in /usr/lib/jvm." >&2
    echo "       Install one (for example: apt-get install openjdk-21-jdk-headless) or set JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME=$best
}

rocks_find_jdk || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
if ! command -v mvn >/dev/null 2>&1; then
  echo "error: Maven 3.8 or newer is needed (apt-get install maven)." >&2
  exit 1
fi

# Shared by the bench/run-*.sh scripts: finds a JDK 25 (exported as JAVA_HOME) and builds the
# benchmark module when the sources are newer than its classpath (BENCH_NO_BUILD=1 skips that).
# Sourced from the repository root.

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk25() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-25-* /usr/lib/jvm/jdk-25*; do
    if [[ -n "$candidate" && -x "$candidate/bin/java" ]]; then
      local major; major="$(java_major "$candidate")"
      if [[ "${major:-0}" -ge 25 ]]; then echo "$candidate"; return 0; fi
    fi
  done
  return 1
}

if ! JAVA_HOME="$(find_jdk25)"; then
  echo "$(basename "$0"): needs a JDK 25 (set JAVA_HOME, or install Temurin 25 under /usr/lib/jvm)." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"

classpath_file="bench/target/classpath.txt"

needs_build() {
  [[ ! -f "$classpath_file" ]] && return 0
  [[ -n "$(find pom.xml core adapters emulators events functions local bench \
      \( -path '*/target' -prune \) -o \( -newer "$classpath_file" -type f -print \) 2>/dev/null | head -1)" ]]
}

if [[ "${BENCH_NO_BUILD:-}" != 1 ]] && needs_build; then
  echo "Building Conveyor and the benchmark…"
  ./mvnw -B -q package -DskipTests -Dspotless.check.skip=true -pl bench -am
fi

# The classpath of a benchmark's JVM.
bench_classpath() { echo "bench/target/classes:$(cat "$classpath_file")"; }

# Sourced by the bench scripts: sets JAVA to the newest JDK (>= 21) among $JAVA_HOME and /usr/lib/jvm/*, or exits.
JAVA=""; best=0
for d in ${JAVA_HOME:-} /usr/lib/jvm/*; do
  [ -x "$d/bin/java" ] || continue
  v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}' | cut -d. -f1)
  if [ "${v:-0}" -gt "$best" ]; then JAVA=$d/bin/java; best=$v; fi
done
[ "$best" -ge 21 ] || { echo "$(basename "$0"): no JDK >= 21 in \$JAVA_HOME or /usr/lib/jvm" >&2; exit 1; }

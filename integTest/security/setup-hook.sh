# shellcheck shell=bash
# Sourced by integTest/cluster.sh setup (SETUP_HOOK) for the security suite, after the lloco plugin is installed into
# $H (an OpenSearch $V integ-test distribution) and before the per-node config copies. It
#  1. adds the modules the 3.4.0 integ-test-zip lacks (it holds only transport-grpc and transport-netty4) from their
#     jars on Maven Central (PLATFORM-NOTES.md section 4.2): lang-painless, analysis-common, ingest-common;
#  2. installs opensearch-security $V.0 from Maven Central, its descriptor's rule-framework dependency made optional
#     (the rule-framework module is not on Maven Central for 3.4.0; the plugin uses it only through the
#     workload-management / rule-framework extension points, which are absent here) and commons-collections4 (which
#     the plugin's privilege evaluation loads from rule-framework, its parent class loader) added to its folder;
#  3. puts the TLS material (integTest/security/certs.sh) into config/certs and the users, roles and role mappings of
#     integTest/security/config into config/opensearch-security (loaded at the first start:
#     plugins.security.allow_default_init_securityindex).
# Needs: $SEC_CERTS (a directory made by certs.sh).

sec_module_jars() { # module artifactId -> jars in $H/modules/<module>
  local m=$1 pom="$B/modpoms/$1/pom.xml"
  mkdir -p "$(dirname "$pom")" "$H/modules/$m"
  cat > "$pom" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>io.lloco.integ</groupId><artifactId>module-$m</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies><dependency><groupId>org.opensearch.plugin</groupId><artifactId>$m</artifactId><version>$V</version>
    <exclusions><exclusion><groupId>org.opensearch</groupId><artifactId>opensearch</artifactId></exclusion></exclusions>
  </dependency></dependencies>
</project>
POM
  (cd "$ROOT" && JAVA_HOME=$JDK ./mvnw -B -q -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$H/modules/$m")
  local j  # the server's own jars stay in lib/ only (jar hell otherwise)
  for j in "$H/modules/$m"/*.jar; do if [ -e "$H/lib/$(basename "$j")" ]; then rm -f "$j"; fi; done
}

sec_module_descriptor() { # name classname extended description
  cat > "$H/modules/$1/plugin-descriptor.properties" <<DESC
description=$4
version=$V
name=$1
classname=$2
java.version=21
opensearch.version=$V
extended.plugins=$3
has.native.controller=false
DESC
}

sec_setup() {
  local m
  for m in lang-painless analysis-common ingest-common; do sec_module_jars "$m"; done
  sec_module_descriptor lang-painless org.opensearch.painless.PainlessModulePlugin "" "An easy, safe and fast scripting language for OpenSearch"
  printf '%s\n' 'grant {' '  permission java.lang.RuntimePermission "createClassLoader";' \
    '  permission java.lang.RuntimePermission "getClassLoader";' '};' > "$H/modules/lang-painless/plugin-security.policy"
  sec_module_descriptor analysis-common org.opensearch.analysis.common.CommonAnalysisModulePlugin lang-painless 'Adds "built in" analyzers to OpenSearch.'
  sec_module_descriptor ingest-common org.opensearch.ingest.common.IngestCommonModulePlugin lang-painless \
    "Module for ingest processors that do not require additional security permissions or have large dependencies and resources"

  (cd "$ROOT" && JAVA_HOME=$JDK ./mvnw -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.opensearch.plugin:opensearch-security:$V.0:zip" -DoutputDirectory="$B/dl" -Dmdep.overWriteIfNewer=true)
  (cd "$ROOT" && JAVA_HOME=$JDK ./mvnw -B -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.apache.commons:commons-collections4:4.4" -DoutputDirectory="$B/dl" -Dmdep.overWriteIfNewer=true)
  python3 - "$B/dl/opensearch-security-$V.0.zip" "$B/dl/security.zip" "$B/dl/commons-collections4-4.4.jar" <<'PY'
import os, sys, zipfile
src, dst, extra = sys.argv[1], sys.argv[2], sys.argv[3]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    assert not any("commons-collections4" in n for n in zin.namelist()), "the plugin now bundles commons-collections4"
    zout.write(extra, os.path.basename(extra))
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename == "plugin-descriptor.properties":
            text = data.decode("utf-8")
            assert "rule-framework" in text, "descriptor changed: " + text
            text = "\n".join(
                l.replace(",rule-framework", ",rule-framework;optional=true") if l.startswith("extended.plugins=") else l
                for l in text.split("\n"))
            data = text.encode("utf-8")
        zout.writestr(item, data)
PY
  own "$B"
  (cd "$H" && as_os bin/opensearch-plugin install --batch "file://$B/dl/security.zip")

  mkdir -p "$H/config/certs"
  cp "$SEC_CERTS"/{root-ca.pem,node.pem,node-key.pem,admin.pem} "$H/config/certs/"
  cp "$ROOT"/integTest/security/config/*.yml "$H/config/opensearch-security/"
  own "$B"
}
sec_setup

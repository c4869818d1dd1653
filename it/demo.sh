#!/bin/sh
# The acr-login demo, from a fresh clone: builds and installs the suite, starts the ACR test bed (a real
# docker-registry behind an emulator of Entra ID and ACR's token service, on 127.0.0.1 only), runs
# `mvn compile acr:push acr:login` on the sample application with a service principal, prints the pushed image
# and digest, checks them with skopeo through the written config.json, and shuts everything down. Exits non-zero
# if anything fails or the digests differ.
#
# Needs JDK 17, Maven 3.8.7+, and the Debian packages docker-registry and skopeo
# (sudo apt-get install docker-registry skopeo); this script installs nothing.
set -eu
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -Dinvoker.skip=true
exec mvn -B -q -pl it exec:java -Dexec.mainClass=io.github.acrlogin.it.Demo -Dexec.args=it/src/test/projects/hello

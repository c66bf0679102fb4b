#!/usr/bin/env bash
# The Java that Spark runs on (tests/test_spark.py): Debian's default-jre-headless (Java 17 on Debian 12), from apt.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -q default-jre-headless >/dev/null \
  || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q default-jre-headless >/dev/null; }

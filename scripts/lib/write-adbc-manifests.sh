#!/usr/bin/env bash
# Writes an ADBC driver manifest (NAME.toml) into FOLDER for each ADBC driver installed from
# PyPI into the virtual environment VENV, so idhealth finds them by name, as ADBC's driver
# manager would: `scripts/lib/write-adbc-manifests.sh .venv .venv/etc/adbc/drivers`.
set -euo pipefail
venv=$1 folder=$2
mkdir -p "$folder"
arch=$(uname -m); case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
for library in "$venv"/lib/python3*/site-packages/adbc_driver_*/libadbc_driver_*.so; do
  [ -e "$library" ] || continue
  name=$(basename "$library" .so); name=${name#libadbc_driver_}
  cat > "$folder/$name.toml" <<TOML
manifest_version = 1
name = 'ADBC $name driver (from PyPI: adbc-driver-$name)'

[Driver]
[Driver.shared]
linux_$arch = '$(cd "$(dirname "$library")" && pwd)/$(basename "$library")'
TOML
done

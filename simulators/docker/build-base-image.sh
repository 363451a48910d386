#!/usr/bin/env bash
# Builds a minimal Node base image from the Node installed on this machine, for engines that cannot pull from a
# registry (this project's CI). The root filesystem holds only the node binary, the libraries ldd lists for it and the
# few files under /etc that a process expects; `docker import` turns it into an image. The simulator Dockerfile takes it
# through its BASE_IMAGE build argument.
#
#   simulators/docker/build-base-image.sh [TAG]      prints the tag on the last line
#   NODE=/path/to/node simulators/docker/build-base-image.sh    another installed Node than the one on PATH
#
# Linux only: the image runs the host's own binary, so host and container share one Node version and C library.
set -euo pipefail

if [[ "$(uname -s)" != Linux ]]; then
  echo "build-base-image.sh: the host's node binary only runs in a Linux container; use the default base image (node:20-slim) instead" >&2
  exit 2
fi

node_bin="$(readlink -f "${NODE:-$(command -v node)}")"
node_version="$("$node_bin" -p 'process.versions.node')"
tag="${1:-iec62443-harness-node-base:${node_version}-$(uname -m)}"

root="$(mktemp -d "${TMPDIR:-/tmp}/iec62443-base-rootfs-XXXXXX")"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/local/bin" "$root/etc" "$root/root" "$root/home/node" "$root/tmp" "$root/dev" "$root/proc" "$root/sys"
chmod 1777 "$root/tmp"
cp "$node_bin" "$root/usr/local/bin/node"

# Every absolute path ldd prints: shared libraries ("libc.so.6 => /lib/.../libc.so.6") and the loader itself.
while read -r library; do
  mkdir -p "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
done < <(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u)

# A distribution's shared-OpenSSL node reads its config at start; bring it along when there is one.
for config in /etc/ssl/openssl.cnf /usr/lib/ssl/openssl.cnf; do
  if [[ -f "$config" ]]; then
    mkdir -p "$root$(dirname "$config")"
    cp -L "$config" "$root$config"
  fi
done

cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
node:x:1000:1000:node:/home/node:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
chown 1000:1000 "$root/home/node" 2>/dev/null || true

tar --numeric-owner -C "$root" -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL iec62443-harness.base=node-${node_version}" \
    --change 'CMD ["node"]' \
    - "$tag" >/dev/null

docker run --rm --network none "$tag" node -e 'process.stdout.write(`node ${process.version} runs in the base image\n`)' >&2
echo "$tag"

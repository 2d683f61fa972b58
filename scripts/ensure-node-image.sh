#!/usr/bin/env bash
# Makes the Dockerfile's base image, node:24-bookworm-slim, in the local podman store when no
# registry can be reached: Debian bookworm (debootstrap, minbase, from its default Debian mirror) with the
# pinned Node 24 of scripts/ensure-node.sh at /usr/local/bin, corepack, and the `node` user
# (uid 1000), as the official image has them, and this machine's CA certificates (Node trusts them
# through NODE_EXTRA_CA_CERTS, so a TLS-inspecting proxy to the registry works). Prints the image name. Needs root, debootstrap and
# podman (Debian packages). The rootfs is kept in .tools/node-image/ (first run: several minutes).
set -euo pipefail
IMAGE=docker.io/library/node:24-bookworm-slim
COREPACK=0.36.0
root=$(cd "$(dirname "$0")/.." && pwd)
if podman image exists "$IMAGE"; then echo "$IMAGE"; exit 0; fi
for tool in debootstrap podman; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is missing (apt-get install $tool)" >&2; exit 1; }
done
node_bin=$(bash "$root/scripts/ensure-node.sh" 24)
work="$root/.tools/node-image"
rootfs="$work/rootfs"
if [ ! -x "$rootfs/bin/sh" ]; then
  echo "debootstrap bookworm into .tools/node-image (first run only, several minutes)..." >&2
  rm -rf "$rootfs" && mkdir -p "$work"
  debootstrap --variant=minbase bookworm "$rootfs" >&2
  # What the slim image leaves out: package caches, docs, man pages.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
fi
install -m 0755 "$node_bin/node" "$rootfs/usr/local/bin/node"
if [ ! -f "$rootfs/usr/local/lib/node_modules/corepack/package.json" ]; then
  npm install --prefix "$work/corepack" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "corepack@$COREPACK" >&2
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -r "$work/corepack/node_modules/corepack" "$rootfs/usr/local/lib/node_modules/"
fi
ln -sf ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
# The machine's trust store (its own CAs included): the build stage fetches pnpm and packages.
install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
chroot "$rootfs" sh -c 'id node >/dev/null 2>&1 || { groupadd -g 1000 node && useradd -u 1000 -g node -m -s /bin/sh node; }'
tar -C "$rootfs" -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'CMD ["node"]' - "$IMAGE" >&2
echo "$IMAGE"
